#!/usr/bin/env bash
# bench/reconcile/sidecar-outage.sh: how long a workload cannot call out after its sidecar is SIGKILLed, for a
# sidecar the operator started itself (its child) and for one it adopted after an operator restart.
#   bench/reconcile/sidecar-outage.sh [SERVICES]   (default 6: 12 sidecars, each killed once, so no kill lands in
#   another's restart backoff; BIN=path/to/meshctl to skip the build)
# For each kill: the workload's MESH_OUTBOUND (from /proc/PID/environ, the address it calls), then SIGKILL of its
# sidecar, then a request every 5 ms (`GET /` with `Host: svc-0`, new connection each, 1 s timeout) until one gets an
# HTTP answer; the outage is from the kill to that answer, and the refused connections on the way are counted (with
# the operator holding the outbound socket, a request waits in the kernel's queue until the new sidecar accepts it). Half the kills come before an operator restart (children),
# half after it (adopted: not the new operator's children).
source "$(dirname "$0")/common.sh"
services=${1:-6}
start_mesh "$services"
python3 - "$state" "$M" "$gateway" "$services" <<'PY'
import http.client, os, signal, statistics, subprocess, sys, time
sys.path.insert(0, os.path.join(os.getcwd(), "bench/reconcile"))
import mesh
state, meshctl, gateway, services = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def outbound(slot):
    pid = next(p["pid"] for p in mesh.live_processes(state) if p["slot"] == slot)
    with open(f"/proc/{pid}/environ", "rb") as f:
        env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
    host, port = env[b"MESH_OUTBOUND"].decode().rsplit(":", 1)
    return host, int(port)

refused = {"n": 0}

def answered(host, port):
    try:
        c = http.client.HTTPConnection(host, port, timeout=1)
        c.request("GET", "/", headers={"host": "svc-0"})
        c.getresponse().read()
        c.close()
        return True
    except ConnectionRefusedError:
        refused["n"] += 1
        return False
    except (OSError, http.client.HTTPException):
        return False

def outage(service, replica):
    slot = f"{service}/workload/{replica}"
    host, port = outbound(slot)
    sidecar = next(p["pid"] for p in mesh.live_processes(state) if p["slot"] == f"{service}/sidecar/{replica}")
    assert answered(host, port), f"{slot}: no answer before the kill"
    t0 = time.monotonic()
    os.kill(sidecar, signal.SIGKILL)
    time.sleep(0.002)
    for _ in range(2000):  # bounded: 2,000 tries of at most 1 s each, in practice 5 ms apart
        if answered(host, port):
            return (time.monotonic() - t0) * 1000
        time.sleep(0.005)
    return float("inf")

slots = [(f"svc-{i}", r) for i in range(services) for r in (0, 1)]
half = len(slots) // 2
results = {"child": [], "adopted": []}
refusals = {"child": 0, "adopted": 0}
for service, replica in slots[:half]:
    results["child"].append(outage(service, replica)); time.sleep(1)
refusals["child"], refused["n"] = refused["n"], 0
pid = int(open(os.path.join(state, "operator.pid")).read())
os.kill(pid, signal.SIGKILL)
time.sleep(0.5)
subprocess.run([meshctl, "up", "--state-dir", state, "--gateway-port", gateway], stdout=subprocess.DEVNULL, check=True)
time.sleep(5)  # the new operator's first passes see (and adopt) every process
for service, replica in slots[half:]:
    results["adopted"].append(outage(service, replica)); time.sleep(1)
refusals["adopted"] = refused["n"]
for kind, values in results.items():
    values.sort()
    print(f"{kind:8s} sidecar killed -> its workload's first answer: n={len(values)} median {statistics.median(values):.0f} ms, "
          f"max {max(values):.0f} ms, {refusals[kind]} connections refused  ({', '.join(f'{v:.0f}' for v in values)})")
PY
