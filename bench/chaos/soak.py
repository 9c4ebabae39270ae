#!/usr/bin/env python3
"""bench/chaos: the soak's driver (started by run.sh once the mesh is Ready and wrk is running).

  soak.py run STATE MANIFESTS MINUTES GATEWAY_PORT PROXY_PATH SEED
                                        chaos for MINUTES (the last 30 s calm), writing MANIFESTS/../record
  soak.py report RECORD_DIR WRK_TXT WRK_SERIES MINUTES    the figures (report.py)
  soak.py manifests DIR                                   the soak's files beside mesh.yaml

Rare events (operator and gateway kills, canaries, data-plane upgrades) are spread evenly over the soak (the kills
over its first 55%), a few seconds of jitter each; between them, every 4-10 s one frequent event: a workload or
sidecar killed, a weight change, the extra Service applied or deleted. The seed is printed, so a run can be
repeated. CHAOS_SKIP=kind,kind leaves event kinds out (e.g. `kill-gateway` for a gateway that lives the whole soak, so
its RSS slope covers all of it); CHAOS_SPARE=slot,slot keeps slots out of the random kills (events.py)."""
import os, random, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reconcile"))
import chaos_manifests  # noqa: E402
from client import SteadyClient  # noqa: E402
from events import SPARED, Chaos, wait_until  # noqa: E402
from journal import Journal  # noqa: E402
from observer import Observer  # noqa: E402
import mesh  # noqa: E402

SERVICES = 3          # svc-0, svc-1 behind `front` (wrk), svc-2 whose workload the steady client stands in for
CLIENT_SLOT = "svc-2/workload/0"
CALM_TAIL = 30        # seconds without chaos at the end, so end figures are of a settled mesh
SKIPPED = {kind for kind in os.environ.get("CHAOS_SKIP", "").split(",") if kind}
FREQUENT = [("kill-workload", 30), ("kill-sidecar", 30), ("weight", 25), ("service", 15)]


def schedule(seconds, rng):
    """(offset, kind) of the rare events, evenly spread over the chaos time (minus its first and last 5%). Operator
    and gateway kills only in its first 55%: their last instances then live long enough for an RSS slope."""
    minutes = seconds / 60
    counts = {"kill-operator": max(1, round(minutes / 4)), "kill-gateway": max(1, round(minutes / 6)),
              "canary": max(2, round(minutes / 3)), "upgrade": max(1, int(minutes // 15))}
    phase = {"kill-operator": 0.5, "kill-gateway": 0.3, "canary": 0.15, "upgrade": 0.45}
    span = {"kill-operator": 0.55, "kill-gateway": 0.55, "canary": 0.9, "upgrade": 0.9}
    plan = []
    for kind, n in counts.items():
        if kind in SKIPPED:
            continue
        for i in range(n):
            at = 0.05 * seconds + (i + phase[kind]) / n * span[kind] * seconds + rng.uniform(-5, 5)
            plan.append((max(1.0, at), kind))
    return sorted(plan)


def run(state, manifests, minutes, gateway_port, proxy_path, seed):
    rng = random.Random(seed)
    start = time.time()
    end = start + minutes * 60
    chaos_end = end - CALM_TAIL
    record = os.path.join(os.path.dirname(manifests), "record")
    journal = Journal(record, start)
    observer = Observer(journal, state, end)
    if not observer.refresh():
        raise SystemExit("the operator does not answer")
    journal.event("start", f"{minutes} min soak, seed {seed}, state {state}"
                           + (f", skipping {','.join(sorted(SKIPPED))}" if SKIPPED else "")
                           + (f", sparing {','.join(sorted(SPARED))}" if SPARED else ""))
    observer.snapshot("start")
    observer.start()
    client = SteadyClient(journal, state, CLIENT_SLOT, ["front", "web"], rate=30, until=end)
    client.start()
    chaos = Chaos(journal, observer, rng, state, manifests, os.environ["MESHCTL"], gateway_port, SERVICES)
    plan = schedule(chaos_end - start, rng)
    actions = {"kill-workload": lambda: chaos.kill_role("workload"), "kill-sidecar": lambda: chaos.kill_role("sidecar"),
               "kill-gateway": chaos.kill_gateway, "kill-operator": chaos.kill_operator,
               "weight": chaos.weight_change, "service": chaos.toggle_service, "canary": chaos.canary,
               "upgrade": lambda: chaos.upgrade(proxy_path)}
    for _ in range(10_000):  # bounded: at most one event per loop, and the loop ends at chaos_end
        now = time.time()
        if now >= chaos_end:
            break
        if plan and start + plan[0][0] <= now:
            _, kind = plan.pop(0)
            if kind in ("canary", "upgrade") and chaos.rollout_busy():
                chaos.unstick_rollout(120)
                plan.append((now - start + 15, kind))  # one rollout at a time: retry in 15 s
                plan.sort()
                continue
        else:
            frequent = [(k, w) for k, w in FREQUENT if k not in SKIPPED]
            kind = rng.choices([k for k, _ in frequent], [w for _, w in frequent])[0]
        actions[kind]()
        time.sleep(max(0.0, min(rng.uniform(4, 10), chaos_end - time.time())))
    journal.event("calm", f"chaos over; {CALM_TAIL} s without events")
    waited = wait_until(lambda: mesh.all_ready(state) and not chaos.rollout_busy(), CALM_TAIL - 5, 0.5)
    journal.event("calm", "every Service Ready, no rollout running" if waited is not None
                  else "NOT settled: some Service not Ready or a rollout still running")
    time.sleep(max(0.0, end - time.time()))
    client.join(10)
    observer.stop.set()
    observer.join(15)
    observer.capture_propagation()
    observer.snapshot("end")
    journal.write("propagation", histograms={str(pid): h for pid, h in observer.histograms.items()})
    journal.write("weights", changes=chaos.weight_changes)
    journal.event("end", f"{len(chaos.weight_changes)} weight changes, {chaos.canaries} canaries, "
                         f"{chaos.upgrades} upgrades")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "run":
        run(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), sys.argv[6], int(sys.argv[7]))
    elif command == "report":
        import report
        report.main(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    elif command == "manifests":
        chaos_manifests.retries(sys.argv[2])
        chaos_manifests.canary(sys.argv[2], "v1", 0)
    else:
        raise SystemExit(__doc__)
