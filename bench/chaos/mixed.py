#!/usr/bin/env python3
"""rss-churn.sh's `mixed` mode: the chaos soak's churn, every kind at once and faster, against one gateway that lives
the whole run (no gateway kills, no data-plane upgrade), sampling what could grow with it (issue 13).

  mixed.py STATE MANIFESTS MINUTES GATEWAY_PORT SEED [SAMPLE_EVERY=60] [GLIBC_EVERY=300]

Every 1.5-3 s one frequent event (events.py): a workload or sidecar SIGKILLed, a weight change on `front`, the
Service `extra` applied or deleted, or a new revision of svc-1 (new replicas on new ports); a canary of `web` every
60 s (alternately promoted and rolled back, as in the soak) and an operator kill every 5 minutes. Every SAMPLE_EVERY
seconds one line: the gateway's VmRSS and anonymous memory, its open fds, its /metrics (lines, series of
`backend=` labels, bytes) and its /stats (endpoints, open and idle upstream connections); every GLIBC_EVERY seconds
(and at the start and end; 0: never) glibc's bytes in use (gdb: malloc_stats, read back from the gateway's log) - memory in use that
grows with churn is the leak signal, RSS alone mixes it with fragmentation."""
import glob, http.client, os, random, re, subprocess, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reconcile"))
import chaos_manifests  # noqa: E402
from events import Chaos  # noqa: E402
from journal import Journal  # noqa: E402
from observer import Observer, fd_count, rss_kb, status_kb  # noqa: E402
import mesh  # noqa: E402

FREQUENT = [("kill-workload", 20), ("kill-sidecar", 20), ("weight", 25), ("service", 15), ("revision", 20)]
CANARY_EVERY, OPERATOR_EVERY = 60, 300


def admin_get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().read()
    finally:
        connection.close()


def gateway(state):
    found = [p for p in mesh.live_processes(state) if p["role"] == "gateway"]
    return (found[0]["pid"], found[0]["ports"].get("admin")) if found else (None, None)


def glibc_in_use(state, pid):
    """glibc's bytes in use in every arena (malloc_stats writes to the process's stderr: its log)."""
    logs = [p for p in glob.glob(os.path.join(state, "logs", "gateway*")) if "access" not in p]
    if not logs:
        return None
    log = max(logs, key=os.path.getmtime)
    # Only libc's symbols (reading the proxy's own takes gdb, and so the stopped gateway, a minute on a loaded machine).
    try:
        subprocess.run(["gdb", "-n", "-batch", "-iex", "set auto-solib-add off", "-p", str(pid),
                        "-ex", "sharedlibrary libc.so", "-ex", "call (void) malloc_stats()"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        return None
    time.sleep(0.2)
    with open(log, errors="replace") as f:
        text = f.read()[-20_000:]
    found = re.findall(r"Total \(incl\. mmap\):\s*\nsystem bytes\s*=\s*(\d+)\s*\nin use bytes\s*=\s*(\d+)", text)
    return (int(found[-1][0]), int(found[-1][1])) if found else None


def sample(state, start, with_glibc):
    pid, admin = gateway(state)
    if pid is None or admin is None:
        return f"+{(time.time() - start) / 60:5.1f} min  no gateway"
    try:
        metrics = admin_get(admin, "/metrics").decode()
        stats = mesh.json.loads(admin_get(admin, "/stats"))
    except (OSError, ValueError) as e:
        return f"+{(time.time() - start) / 60:5.1f} min  gateway {pid}: admin did not answer ({e})"
    lines = [line for line in metrics.splitlines() if line and not line.startswith("#")]
    backend = sum(1 for line in lines if 'backend="' in line)
    own = {}  # the gateway's own answers (503 no-healthy-endpoint, 504, ...) by reason, summed over services
    for line in lines:
        if line.startswith("mesh_local_responses_total{") and not line.endswith(" 0"):
            reason = line.split('reason="')[1].split('"')[0]
            own[reason] = own.get(reason, 0) + int(float(line.split()[-1]))
    endpoints = stats.get("endpoints", [])
    text = (f"+{(time.time() - start) / 60:5.1f} min  gateway {pid}: RSS {rss_kb(pid)} kB (anonymous "
            f"{(status_kb(pid, 'RssAnon') or [None])[0]})  fds {fd_count(pid)}  /metrics {len(lines)} series ({backend} by backend), "
            f"{len(metrics)} B  /stats {len(endpoints)} endpoints, {sum(e['openConnections'] for e in endpoints)} open / "
            f"{sum(e['idleConnections'] for e in endpoints)} idle upstream  own answers {own or 0}  "
            f"load {open('/proc/loadavg').read().split()[0]}")
    if with_glibc:
        account = glibc_in_use(state, pid)
        text += (f"  glibc: {account[1] / 1e6:.2f} MB in use of {account[0] / 1e6:.2f} MB held" if account
                 else "  glibc: no account")
    return text


def revision(state, manifests, meshctl, n):
    """A new revision of svc-1 (its command changed): the operator replaces both replicas, on new ports."""
    text = open(os.path.join(manifests, "mesh.yaml")).read()
    at = text.index("--version, v1]", text.index("name: svc-1"))
    path = os.path.join(os.path.dirname(manifests), "revision.yaml")
    with open(path, "w") as f:
        f.write(text[:at] + f"--version, r{n}]" + text[at + len("--version, v1]"):])
    return subprocess.run([meshctl, "apply", "--state-dir", state, "-f", path], capture_output=True, timeout=60).returncode


def run(state, manifests, minutes, gateway_port, seed, sample_every=60.0, glibc_every=300.0):
    rng = random.Random(seed)
    start = time.time()
    end = start + minutes * 60
    journal = Journal(os.path.join(os.path.dirname(manifests), "record"), start)
    observer = Observer(journal, state, end)
    if not observer.refresh():
        raise SystemExit("the operator does not answer")
    observer.start()
    meshctl = os.environ["MESHCTL"]
    chaos = Chaos(journal, observer, rng, state, manifests, meshctl, gateway_port, 3)
    revisions = 0

    def next_revision():
        nonlocal revisions
        revisions += 1
        journal.event("revision", f"svc-1 -> r{revisions}: apply exit {revision(state, manifests, meshctl, revisions)}")
    actions = {"kill-workload": lambda: chaos.kill_role("workload"), "kill-sidecar": lambda: chaos.kill_role("sidecar"),
               "weight": chaos.weight_change, "service": chaos.toggle_service, "revision": next_revision}
    print(sample(state, start, glibc_every > 0), flush=True)
    next_sample, next_glibc = start + sample_every, start + glibc_every
    next_canary, next_operator = start + CANARY_EVERY, start + OPERATOR_EVERY
    for _ in range(100_000):  # bounded: one event per turn, and the loop ends at `end`
        now = time.time()
        if now >= end:
            break
        if now >= next_sample:
            print(sample(state, start, glibc_every > 0 and now >= next_glibc), flush=True)
            if now >= next_glibc:
                next_glibc += glibc_every
            next_sample += sample_every
        if now >= next_canary:
            next_canary += CANARY_EVERY
            if chaos.rollout_busy():
                chaos.unstick_rollout(120)
            else:
                chaos.canary()
        elif now >= next_operator:
            next_operator += OPERATOR_EVERY
            chaos.kill_operator()
        else:
            frequent = rng.choices([k for k, _ in FREQUENT], [w for _, w in FREQUENT])[0]
            actions[frequent]()
        time.sleep(max(0.0, min(rng.uniform(1.5, 3), end - time.time())))
    observer.stop.set()
    observer.join(15)
    print(sample(state, start, glibc_every > 0), flush=True)
    journal.event("end", f"{len(chaos.weight_changes)} weight changes, {chaos.canaries} canaries, "
                         f"{revisions} revisions")


if __name__ == "__main__":
    if len(sys.argv) < 6:
        raise SystemExit(__doc__)
    run(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]),
        *(float(a) for a in sys.argv[6:8]))
