"""smtpd.py DIR - a real SMTP server for the tests (aiosmtpd) on a free port of 127.0.0.1.

Writes its port to DIR/port once it listens. Every message it takes is written to
DIR/msg-N.eml (not with $SMTPD_NOSTORE=1, for benchmarks) and its Message-ID, a tab and
the recipient to DIR/received.log. The file
DIR/rules, read at every RCPT, holds lines "ADDRESS CODE": 550 refuses that recipient for
good, 451 for now. $SMTPD_DELAY (seconds, may be fractional) slows every DATA down, so a
test can kill a client in the middle of it.
"""
import asyncio
import email
import os
import random
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, d):
        self.d = d
        self.n = 0

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

    async def handle_DATA(self, server, session, envelope):
        delay = float(os.environ.get("SMTPD_DELAY", "0") or 0)
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
        return "250 2.0.0 taken"


def main():
    d = sys.argv[1]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = Controller(Handler(d), hostname="127.0.0.1", port=port)
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
