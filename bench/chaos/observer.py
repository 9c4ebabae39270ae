"""What the soak watches while it runs, in one thread: every 0.5 s the operator's view of the processes (kept for the
chaos events to pick from) with gateway replacements and rollout phase changes logged as they happen; every ~10 s
each process's VmRSS, RssAnon and open file descriptors; the operator's propagation histogram, kept per operator pid (it starts again at 0 when the operator does)."""
import http.client, os, threading, time

import mesh


def status_kb(pid, *fields):
    """The named /proc/PID/status fields in kB (VmRSS, RssAnon, ...), in that order, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            found = dict(line.split(":", 1) for line in f if line.split(":", 1)[0] in fields)
        return tuple(int(found[field].split()[0]) for field in fields)
    except (OSError, KeyError, ValueError):
        return None


def rss_kb(pid):
    kb = status_kb(pid, "VmRSS")
    return kb[0] if kb else None


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def directory_bytes(path, largest=0):
    """The bytes of every file under PATH; with LARGEST, also the largest files (path relative to PATH, bytes)."""
    sizes = []
    for root, _, files in os.walk(path):
        for name in files:
            file = os.path.join(root, name)
            try:
                sizes.append((os.path.relpath(file, path), os.lstat(file).st_size))
            except OSError:
                pass
    total = sum(n for _, n in sizes)
    return (total, sorted(sizes, key=lambda s: -s[1])[:largest]) if largest else total


class Observer(threading.Thread):
    def __init__(self, journal, state, until, sample_every=10.0):
        super().__init__(daemon=True)
        self.journal, self.state, self.until, self.sample_every = journal, state, until, sample_every
        self.lock = threading.Lock()
        self.processes = []          # the last answer of /v1/status (live processes)
        self.rollout_phase = None
        self.rollout_since = time.monotonic()  # when the phase last changed
        self.refreshing = threading.Lock()     # the chaos thread refreshes too, while it waits on something
        self.histograms = {}         # operator pid -> its last propagation histogram (buckets, sum, count)
        self.stop = threading.Event()

    def operator_pid(self):
        try:
            with open(os.path.join(self.state, "operator.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def live(self, role=None):
        with self.lock:
            return [p for p in self.processes if role is None or p["role"] == role]

    def slot_pid(self, slot):
        return next((p["pid"] for p in self.live() if p["slot"] == slot), None)

    def refresh(self):
        """One look at the operator's view; logs a new gateway pid and a rollout phase change."""
        with self.refreshing:
            return self._refresh()

    def _refresh(self):
        try:
            processes = mesh.live_processes(self.state)
            rollouts = mesh.api(self.state, "/v1/objects?kind=Rollout&name=web").get("items", [])
        except (OSError, ValueError, http.client.HTTPException):
            return False  # the operator is down or restarting: keep the last view
        gateway_before = next((p["pid"] for p in self.live("gateway")), None)
        with self.lock:
            self.processes = processes
        gateway_now = next((p["pid"] for p in processes if p["role"] == "gateway"), None)
        if gateway_before and gateway_now and gateway_now != gateway_before:
            self.journal.event("seen", f"gateway replaced: pid {gateway_before} -> {gateway_now}")
        rollout = rollouts[0].get("status", {}).get("rollout", {}) if rollouts else {}
        phase = rollout.get("phase") or (rollouts[0].get("status", {}).get("phase") if rollouts else None)
        if phase and phase != self.rollout_phase:
            self.journal.event("seen", f"rollout web: {phase} {rollout.get('message', '')}".rstrip())
            self.rollout_phase = phase
            self.rollout_since = time.monotonic()
        return True

    def capture_propagation(self):
        pid = self.operator_pid()
        try:
            histogram = mesh.propagation_histogram(self.state)
        except (OSError, ValueError, IndexError, http.client.HTTPException):
            return
        with self.lock:
            self.histograms[pid] = histogram

    def sample(self):
        t = time.time()
        operator = self.operator_pid()
        targets = [("operator", "operator", operator)] + [(p["role"], p["slot"], p["pid"]) for p in self.live()]
        for kind, slot, pid in targets:
            # RssAnon is the process's own memory (heap, stacks); the rest of VmRSS is pages of the files it maps (the
            # executable and its libraries: 48 of an operator's 55 MB), which grow as code first runs, up to their size.
            rss = status_kb(pid, "VmRSS", "RssAnon") if pid else None
            if rss is not None:
                self.journal.write("samples", t=t, kind=kind, slot=slot, pid=pid, rss_kb=rss[0], anon_kb=rss[1],
                                   fds=fd_count(pid))
        self.capture_propagation()

    def snapshot(self, label):
        """Start/end figures: fds of the operator and gateway, the state directory's size."""
        gateway = next((p["pid"] for p in self.live("gateway")), None)
        operator = self.operator_pid()
        total, largest = directory_bytes(self.state, largest=4)
        return self.journal.write("snapshots", label=label, operator_pid=operator, operator_fds=fd_count(operator),
                                  gateway_pid=gateway, gateway_fds=fd_count(gateway) if gateway else None,
                                  state_bytes=total, largest=largest)

    def run(self):
        last_sample = 0.0
        for _ in range(int((self.until - time.time()) / 0.5) + 100):  # bounded: the soak's length in ticks
            if self.stop.is_set() or time.time() > self.until:
                break
            self.refresh()
            if time.monotonic() - last_sample >= self.sample_every:
                self.sample()
                last_sample = time.monotonic()
            time.sleep(0.5)
        self.sample()
