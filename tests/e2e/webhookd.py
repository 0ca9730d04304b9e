"""webhookd.py DIR SECRET - a webhook receiver for the tests on a free port of 127.0.0.1.

Writes its port to DIR/port. For every POST it checks the Followup-Signature header (HMAC-SHA256
of "TIMESTAMP.BODY" under SECRET, as README.md tells a receiver to) and appends a line to
DIR/received.log: "ok|badsig IDEMPOTENCY-KEY", keeping the body as DIR/body-N.json. While
DIR/fail holds a number N > 0 it answers 503 and counts N down (a temporary failure).
"""
import hashlib
import hmac
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

DIR, SECRET = sys.argv[1], sys.argv[2].encode()
COUNT = [0]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        key = self.headers.get("Idempotency-Key", "")
        sig = dict(p.split("=", 1) for p in self.headers.get("Followup-Signature", "").split(",") if "=" in p)
        want = hmac.new(SECRET, sig.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
        good = hmac.compare_digest(want, sig.get("v1", ""))
        fail = os.path.join(DIR, "fail")
        if os.path.exists(fail):
            n = int(open(fail).read().strip() or 0)
            if n > 0:
                open(fail, "w").write(str(n - 1))
                self.send_response(503)
                self.end_headers()
                return
        COUNT[0] += 1
        with open(os.path.join(DIR, "body-%d.json" % COUNT[0]), "wb") as f:
            f.write(body)
        with open(os.path.join(DIR, "received.log"), "a") as f:
            f.write("%s %s\n" % ("ok" if good else "badsig", key))
        self.send_response(200 if good else 401)
        self.end_headers()


def main():
    srv = HTTPServer(("127.0.0.1", 0), Handler)
    with open(os.path.join(DIR, "port.tmp"), "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
