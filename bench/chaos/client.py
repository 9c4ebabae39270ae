"""The steady client: what a workload does when it calls another service. It reads a live workload's
`MESH_OUTBOUND` from /proc/PID/environ (exactly the address that workload would use, so a sidecar replaced on a new
port shows up as failures here too) and sends requests to it at a fixed rate over one keep-alive connection, with the
Host header naming the service, alternating `front` and `web`. No retries: every failure is recorded with its time."""
import http.client, os, threading, time

import mesh


class SteadyClient(threading.Thread):
    def __init__(self, journal, state, slot, hosts, rate, until):
        super().__init__(daemon=True)
        self.journal, self.state, self.slot, self.hosts = journal, state, slot, hosts
        self.interval, self.until = 1.0 / rate, until
        self.counts = {h: {"sent": 0, "ok": 0, "failed": 0, "injected": 0} for h in hosts}
        self.address, self.pid, self.connection = None, None, None
        self.stop = threading.Event()

    def resolve(self):
        """The workload's pid and its MESH_OUTBOUND; kept when the operator cannot answer (it may be restarting)."""
        try:
            pid = next(p["pid"] for p in mesh.live_processes(self.state) if p["slot"] == self.slot)
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
            address = env[b"MESH_OUTBOUND"].decode()
        except (OSError, StopIteration, KeyError, ValueError, http.client.HTTPException):
            return
        if address != self.address:
            self.journal.event("client", f"calls through {self.slot} (pid {pid}): MESH_OUTBOUND={address}")
            self._close()
        self.address, self.pid = address, pid

    def _close(self):
        if self.connection:
            self.connection.close()
        self.connection = None

    def call(self, host):
        if self.connection is None:
            h, p = self.address.rsplit(":", 1)
            self.connection = http.client.HTTPConnection(h, int(p), timeout=5)
        self.connection.request("GET", "/", headers={"Host": host})
        response = self.connection.getresponse()
        response.read()
        return response.status, response.getheader("x-demo-version", "")

    def run(self):
        next_time, n, last_resolve = time.monotonic(), 0, 0.0
        max_requests = int((self.until - time.time()) / self.interval) + 10
        while not self.stop.is_set() and time.time() < self.until and n < max_requests:
            if time.monotonic() - last_resolve > 5 or self.address is None:
                self.resolve()
                last_resolve = time.monotonic()
            if self.address is None:
                time.sleep(0.2)
                continue
            host = self.hosts[n % len(self.hosts)]
            n += 1
            count = self.counts[host]
            count["sent"] += 1
            try:
                status, version = self.call(host)
                if 200 <= status < 300:
                    count["ok"] += 1
                elif status == 500 and version.endswith("-faulty"):
                    count["injected"] += 1  # the faulty canary's own answers: analysis must see them
                else:
                    count["failed"] += 1
                    self.journal.write("client", host=host, error=f"HTTP {status}", version=version,
                                       outbound=self.address)
            except (OSError, http.client.HTTPException) as e:
                count["failed"] += 1
                self.journal.write("client", host=host, error=f"{type(e).__name__}: {e}", outbound=self.address)
                self._close()
                last_resolve = 0  # the sidecar may have moved: look again before the next request
            next_time += self.interval
            time.sleep(max(0.0, next_time - time.monotonic()))
        self._close()
        self.journal.write("client-totals", counts=self.counts, rate=round(1 / self.interval))
