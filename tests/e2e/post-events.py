#!/usr/bin/python3
"""post-events.py - many clients POST events to a followup server at once (standard library only).

    post-events.py BASE TOKEN --clients 32 --events 20000 [--seed N] [--ids PREFIX]
    post-events.py --write-batch N --ids PREFIX >FILE

The first form splits N distinct events (ids PREFIX-0 ... PREFIX-(N-1)) between the
clients; each client sends its share as batches of 1 to 300 events and as single events,
posts some of them a second time (their ids make them duplicates) and some a second time
under the same Idempotency-Key (replayed). Every answer must be 201. It prints one line:
"posts N stored S duplicates D replayed R". The second form writes one batch of N such
events (ids PREFIX-0 ...) as a JSON array, for curl to send.
"""
import http.client
import json
import random
import sys
import threading
import urllib.parse

TYPES = ["lead", "info_request", "purchase", "touch", "reply", "service"]


def event(prefix, i):
    """Event i: one of 600 contacts, a type and a time that depend on i only."""
    kind = TYPES[i % len(TYPES)]
    day = 1 + (i * 7) % 28
    month = 6 + (i // 3000) % 6
    e = {
        "id": "%s-%d" % (prefix, i),
        "type": kind,
        "contact": "P%03d" % (i % 600),
        "time": "2026-%02d-%02dT%02d:%02d:00Z" % (month, day, 8 + i % 10, i % 60),
    }
    if kind == "purchase":
        e["amount"] = "%d.%02d" % (10 + i % 90, i % 100)
    if kind == "touch":
        e["channel"] = "call"
        e["outcome"] = "reached"
    return e


class Client:
    def __init__(self, base, token):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.token = token
        self.conn = None

    def post(self, body, key=None):
        headers = {"Authorization": "Bearer " + self.token,
                   "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        data = json.dumps(body)
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.conn.request("POST", "/api/v1/events", data, headers)
                r = self.conn.getresponse()
                text = r.read().decode()
                return r.status, text, r.getheader("Idempotent-Replayed")
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def run_clients(base, token, clients, total, seed, prefix):
    results = {"posts": 0, "stored": 0, "duplicates": 0, "replayed": 0}
    errors = []
    lock = threading.Lock()

    def worker(n):
        rnd = random.Random(seed * 1000 + n)
        mine = list(range(n, total, clients))
        c = Client(base, token)
        i = 0
        part = 0
        while i < len(mine):
            size = 1 if rnd.random() < 0.3 else rnd.randint(2, 300)
            chunk = [event(prefix, k) for k in mine[i:i + size]]
            i += size
            part += 1
            body = chunk[0] if len(chunk) == 1 and rnd.random() < 0.5 else chunk
            key = "c%d-%d" % (n, part) if rnd.random() < 0.3 else None
            sends = [(body, key)]
            if key and rnd.random() < 0.5:
                sends.append((body, key))       # the same key again: a replay
            elif rnd.random() < 0.2:
                sends.append((body, None))      # the same events again: duplicates
            for b, k in sends:
                status, text, replayed = c.post(b, k)
                with lock:
                    results["posts"] += 1
                    if status != 201:
                        errors.append("%d %s" % (status, text[:200]))
                        return
                    answer = json.loads(text)
                    if replayed:
                        results["replayed"] += 1
                    else:
                        results["stored"] += answer["stored"]
                        results["duplicates"] += answer["duplicates"]

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print("errors:", len(errors), errors[0])
        return 1
    print("posts %(posts)d stored %(stored)d duplicates %(duplicates)d replayed %(replayed)d"
          % results)
    return 0


def write_batch(n, prefix):
    json.dump([event(prefix, i) for i in range(n)], sys.stdout)
    return 0


def main(argv):
    opts = {"--clients": "32", "--events": "20000", "--seed": "1", "--ids": "ev",
            "--write-batch": None}
    if argv[1] == "--write-batch":
        args, base, token = argv[1:], None, None
    else:
        args, base, token = argv[3:], argv[1], argv[2]
    while args:
        opts[args[0]] = args[1]
        args = args[2:]
    if opts["--write-batch"]:
        return write_batch(int(opts["--write-batch"]), opts["--ids"])
    return run_clients(base, token, int(opts["--clients"]), int(opts["--events"]),
                       int(opts["--seed"]), opts["--ids"])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
