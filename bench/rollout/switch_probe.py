#!/usr/bin/env python3
"""Polls GET /config on every proxy's admin port (keep-alive, round robin, ~1-2 ms per proxy) and prints, as JSON,
when each one first reported a configuration version other than the one it had at the start.

    switch_probe.py STATE_DIR OUT_FILE SECONDS
Runs until every proxy changed version or SECONDS passed. Started before the command that switches; the caller
compares the times (time.time(), seconds) with the command's own."""
import http.client, json, socket, sys, time

state, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


api = UnixConnection(state + "/operator.sock")
api.request("GET", "/v1/status")
status = json.loads(api.getresponse().read())
admins = {p["slot"]: p["ports"]["admin"] for p in status["processes"]
          if p["role"] in ("sidecar", "gateway") and "admin" in p["ports"] and p["state"] == "ready"}
conns = {slot: http.client.HTTPConnection("127.0.0.1", port, timeout=2) for slot, port in admins.items()}


def version(slot):
    conn = conns[slot]
    conn.request("GET", "/config")
    return json.loads(conn.getresponse().read())["version"]


start = {slot: version(slot) for slot in conns}
changed = {}
polls = 0
deadline = time.time() + seconds
print("ready", flush=True)
while len(changed) < len(conns) and time.time() < deadline:
    for slot in conns:
        if slot in changed:
            continue
        polls += 1
        if version(slot) != start[slot]:
            changed[slot] = time.time()
json.dump({"proxies": len(conns), "changed": changed, "polls": polls}, open(out, "w"))
