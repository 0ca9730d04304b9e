"""smtpd.py DIR - a real SMTP server for the tests (aiosmtpd) on a free port of 127.0.0.1.

Writes its port to DIR/port once it listens. Every message it takes is written to
DIR/msg-N.eml (not with $SMTPD_NOSTORE=1, for benchmarks) and its Message-ID, a tab and
the recipient to DIR/received.log. The file
DIR/rules, read at every RCPT, holds lines "ADDRESS CODE": 550 refuses that recipient for
good, 451 for now. $SMTPD_DELAY (seconds, may be fractional) slows every DATA down, so a
test can kill a client in the middle of it; a file DIR/delay, when there, says the same
and wins (read at every DATA, so a test can change it while the server runs). While a file
DIR/hold exists, every DATA waits, and DIR/holding says one is waiting.

TLS and logins (each from the environment): $SMTPD_TLS=starttls offers STARTTLS and
requires it before MAIL; $SMTPD_TLS=implicit speaks TLS from the first byte (smtps); both
use the certificate $SMTPD_CERT and its key $SMTPD_KEY (PEM files). $SMTPD_AUTH=USER:PASSWORD
requires a login (PLAIN or LOGIN, only over TLS) with exactly those. DIR/sessions.log gets a
line per message taken: its Message-ID, "tls" or "plain", the login ("-" for none), and
the client's port (one port: one connection).
"""
import asyncio
import email
import os
import random
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, d, implicit=False):
        self.d = d
        self.n = 0
        self.implicit = implicit

    def rule(self, address):
        try:
            with open(os.path.join(self.d, "rules")) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2 and parts[0].lower() == address.lower():
                        return parts[1]
        except FileNotFoundError:
            pass
        return None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.rule(address)
        if code == "550":
            return "550 5.1.1 no such mailbox here"
        if code == "451":
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def delay(self):
        try:
            with open(os.path.join(self.d, "delay")) as f:
                return float(f.read().strip() or 0)
        except FileNotFoundError:
            return float(os.environ.get("SMTPD_DELAY", "0") or 0)

    async def handle_DATA(self, server, session, envelope):
        hold = os.path.join(self.d, "hold")
        if os.path.exists(hold):
            holding = os.path.join(self.d, "holding")
            open(holding, "w").close()
            while os.path.exists(hold):
                await asyncio.sleep(0.05)
            os.unlink(holding)
        delay = self.delay()
        if delay:
            await asyncio.sleep(random.uniform(0, delay))
        self.n += 1
        raw = envelope.original_content or envelope.content
        if not os.environ.get("SMTPD_NOSTORE"):
            base = os.path.join(self.d, "msg-%d-%d.eml" % (os.getpid(), self.n))
            with open(base + ".tmp", "wb") as f:
                f.write(raw)
            os.rename(base + ".tmp", base)
        msg = email.message_from_bytes(raw)
        with open(os.path.join(self.d, "received.log"), "a") as f:
            for r in envelope.rcpt_tos:
                f.write("%s\t%s\n" % (msg.get("Message-ID", ""), r))
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else "-"
        with open(os.path.join(self.d, "sessions.log"), "a") as f:
            f.write("%s\t%s\t%s\t%s\n" % (msg.get("Message-ID", ""),
                                          "tls" if session.ssl or self.implicit else "plain",
                                          login, session.peer[1] if session.peer else "-"))
        return "250 2.0.0 taken"


def authenticator(user, password):
    """Takes exactly USER with PASSWORD; anything else is refused (535)."""
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return check


def main():
    d = sys.argv[1]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    kw = {}
    tls = os.environ.get("SMTPD_TLS", "")
    if tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(os.environ["SMTPD_CERT"], os.environ["SMTPD_KEY"])
        if tls == "implicit":
            kw["ssl_context"] = ctx
            kw["auth_require_tls"] = False  # the whole connection is TLS; aiosmtpd sees only STARTTLS
        else:
            kw["tls_context"] = ctx
            kw["require_starttls"] = True
    auth = os.environ.get("SMTPD_AUTH", "")
    if auth:
        user, _, password = auth.partition(":")
        kw["authenticator"] = authenticator(user, password)
        kw["auth_required"] = True
    c = Controller(Handler(d, tls == "implicit"), hostname="127.0.0.1", port=port, **kw)
    c.start()
    with open(os.path.join(d, "port.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
    try:
        while True:
            time.sleep(3600)
    finally:
        c.stop()


if __name__ == "__main__":
    main()
