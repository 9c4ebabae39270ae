"""The soak's figures from its record, printed as Markdown (to paste into docs/performance.md): requests and failures
(each run of failures matched to the chaos event just before it), RSS slope per process kind, file descriptors, the
state directory's size and the weight-propagation percentiles."""
import re, statistics, time
from collections import defaultdict

import slopes
from journal import read

ATTRIBUTION_WINDOW = 10.0  # seconds: a failure is put on the last event at most this long before it
OWN_SIDECAR = "svc-2/sidecar/0"  # the steady client calls through it (soak.py's CLIENT_SLOT is its workload)
IN_FLIGHT_WINDOW = 2.0  # seconds after a kill of it in which a reset call was the one in flight
DISCONNECTED = ("RemoteDisconnected", "ConnectionReset", "BrokenPipe", "IncompleteRead", "BadStatusLine")


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))] if v else float("nan")


def clock(t):
    return time.strftime("%H:%M:%S", time.gmtime(t))


def cause_event(events, t):
    """The last chaos event (not an observation) at most ATTRIBUTION_WINDOW s before T (+1 s: a wrk second bucket
    starts before the event line that caused it is written), or None."""
    before = [e for e in events if e["t"] <= t + 1 and t - e["t"] <= ATTRIBUTION_WINDOW
              and e["kind"] not in ("seen", "start", "calm", "end", "client")]
    return before[-1] if before else None


def cause(events, t):
    e = cause_event(events, t)
    return f"{clock(e['t'])} {e['kind']} {e['detail']}" if e else "no event within 10 s"


def by_cause(events, runs):
    """(first second, failed) runs -> failed per kind of the event that preceded each run."""
    totals = defaultdict(int)
    for t, failed in runs:
        e = cause_event(events, t)
        totals[e["kind"] if e else "no event"] += failed
    return ", ".join(f"{k} {n}" for k, n in sorted(totals.items(), key=lambda kv: -kv[1]))


def wrk_totals(text):
    requests = int(re.search(r"(\d+) requests in", text).group(1)) if "requests in" in text else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()))) if m else {}
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return requests, errors, int(m.group(1)) if m else 0


def wrk_episodes(series_path):
    """Runs of seconds in which wrk started requests that got no answer (a socket error) or got a non-2xx one.
    Per second: attempts - answers; an error shows as a rise of that running difference above the requests in
    flight, so each second's estimate is good to a few requests."""
    per_second = defaultdict(lambda: [0, 0, 0])
    codes = defaultdict(lambda: defaultdict(int))
    try:
        with open(series_path) as f:
            for line in f:
                fields = line.split()
                sec, started, ok, bad = map(int, fields[:4])
                for i, v in enumerate((started, ok, bad)):
                    per_second[sec][i] += v
                for item in (fields[4].split(",") if len(fields) > 4 else []):
                    code, n = item.split(":")
                    codes[sec][code] += int(n)
    except OSError:
        return []
    episodes, current, balance = [], None, 0
    for sec in sorted(per_second):
        started, ok, bad = per_second[sec]
        balance += started - ok - bad
        lost = max(0, balance - 50)  # 50 connections: up to 50 requests are in flight at any time
        balance -= lost
        failed = lost + bad
        if failed > 2:
            if not (current and sec - current["last"] <= 2):
                current = {"first": sec, "last": sec, "failed": 0, "lost": 0, "codes": defaultdict(int)}
                episodes.append(current)
            current["failed"] += failed
            current["lost"] += lost
            current["last"] = sec
            for code, n in codes[sec].items():
                current["codes"][code] += n
    return episodes


def own_sidecar_failures(events, failures):
    """The steady client's failures split three ways: the one call in flight on its own sidecar's connection when that
    sidecar was SIGKILLed (a reset within IN_FLIGHT_WINDOW s of the kill; at most one per kill, the client makes one
    call at a time), other failures after such a kill (calls refused or lost while it restarted: the operator keeps
    its outbound socket, so there should be none), and the rest."""
    kills = [e for e in events if e["kind"] == "kill-sidecar" and e["detail"].startswith(OWN_SIDECAR + " ")]
    out = {"in flight": [], "after own kill": [], "otherwise": [], "kills": len(kills)}
    used = set()
    for f in failures:
        kill = next((k for k in reversed(kills) if -1.0 <= f["t"] - k["t"] <= IN_FLIGHT_WINDOW), None)
        if kill is not None and id(kill) not in used and any(word in f["error"] for word in DISCONNECTED):
            used.add(id(kill))
            out["in flight"].append(f)
            continue
        e = cause_event(events, f["t"])
        own = e is not None and e["kind"] == "kill-sidecar" and e["detail"].startswith(OWN_SIDECAR + " ")
        out["after own kill" if own else "otherwise"].append(f)
    return out


def main(record, wrk_txt, wrk_series, minutes):
    events = read(record, "events")
    kinds = defaultdict(int)
    for e in events:
        if e["kind"] not in ("seen", "start", "calm", "end", "client", "rollout"):
            kinds[e["kind"]] += 1
    print(f"### Chaos soak: {minutes:g} minutes, {time.strftime('%Y-%m-%d', time.gmtime(events[0]['t']))}")
    print("- events: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    for field, what in (("gateway_down", "gateway kill -> a new gateway accepting on the port"),
                        ("operator_back", "operator kill -> `meshctl up` -> the new operator answering")):
        times = [e[field] for e in events if e.get(field) is not None]
        missed = sum(1 for e in events if field in e and e[field] is None)
        if times:
            print(f"- {what}: {len(times)} times, mean {statistics.fmean(times):.2f} s, max {max(times):.2f} s"
                  + (f"; {missed} NOT back within 30 s" if missed else ""))
        elif missed:
            print(f"- {what}: {missed} NOT back within 30 s")
    upgrades = [e for e in events if "supported" in e]
    if any(not e["supported"] for e in upgrades):
        print("- data-plane upgrade: not supported by this operator (no sidecar replaced after a new mesh-proxy)")

    with open(wrk_txt) as f:
        requests, errors, non2xx = wrk_totals(f.read())
    episodes = wrk_episodes(wrk_series)
    print(f"- wrk (50 connections through the gateway to `front`): {requests + sum(errors.values())} sent, {requests} "
          f"answered (non-2xx {non2xx}); socket errors " + ", ".join(f"{k} {v}" for k, v in errors.items()))
    gateway_kills = [e for e in events if e["kind"] == "kill-gateway" and e["detail"].startswith("pid")]
    after_kill = [e for e in episodes if (cause_event(events, e["first"]) or {}).get("kind") == "kill-gateway"]
    otherwise = [e for e in episodes if e not in after_kill]
    if gateway_kills:
        print(f"  - in flight on a killed gateway: {errors.get('read', 0)} (wrk's read errors: a connection reset "
              f"under its request; at most one per connection, {50 * len(gateway_kills)} for {len(gateway_kills)} "
              "kills; no proxy can answer a request whose process is SIGKILLed)")
        print(f"  - refused while no gateway listened: {errors.get('write', 0) + errors.get('connect', 0)} (wrk's "
              "write and connect errors: wrk reconnects at once, so these are connection attempts in a loop while the "
              "gateway restarted, not requests a user made; a client would see connection refused for that time)")
        print(f"  - the seconds after the {len(gateway_kills)} gateway kills, estimated from wrk's per-second counts: "
              f"~{sum(e['failed'] for e in after_kill)} failed (the two lines above: "
              f"{sum(errors.values()) - errors.get('timeout', 0)})")
    print(f"  - failed otherwise (not in the seconds after a gateway kill): ~{sum(e['failed'] for e in otherwise)}"
          + (" (" + by_cause(events, [(e["first"], e["failed"]) for e in otherwise]) + ")" if otherwise else "")
          + f"; wrk timeouts {errors.get('timeout', 0)}")
    for e in episodes:
        answered = ", ".join(f"HTTP {c}: {n}" for c, n in sorted(e["codes"].items()))
        print(f"  - {clock(e['first'])}-{clock(e['last'])}: ~{e['failed']} failed (~{e['lost']} without an answer"
              + (f"; {answered}" if answered else "") + f"); after {cause(events, e['first'])}")

    totals = read(record, "client-totals")
    failures = read(record, "client")
    if totals:
        counts = totals[-1]["counts"]
        rate = totals[-1].get("rate", "?")
        print(f"- steady client ({rate} req/s through svc-2's sidecar, no retries): " + "; ".join(
            f"`{h}` {c['sent']} sent, {c['failed']} failed" + (f", {c['injected']} the faulty canary's own 500s"
                                                               if c["injected"] else "")
            for h, c in counts.items()))
    own = own_sidecar_failures(events, failures)
    print(f"  - in flight when its own sidecar ({OWN_SIDECAR}) was SIGKILLed: {len(own['in flight'])} over "
          f"{own['kills']} kills of it (the call on the connection the kill reset; no proxy can answer a request whose "
          "process is SIGKILLed)")
    print(f"  - failed after a kill of its own sidecar, not in flight (refused or lost while it restarted): "
          f"{len(own['after own kill'])}")
    print(f"  - failed otherwise: {len(own['otherwise'])}")
    runs = []
    for f in failures:
        if runs and f["t"] - runs[-1][-1]["t"] <= 2:
            runs[-1].append(f)
        else:
            runs.append([f])
    for r in runs:
        errors_seen = sorted({f["error"][:60] for f in r})
        print(f"  - {clock(r[0]['t'])}-{clock(r[-1]['t'])}: {len(r)} failed ({'; '.join(errors_seen)}); "
              f"after {cause(events, r[0]['t'])}")

    found = slopes.instances(read(record, "samples"))
    for line in slopes.summary(found) + slopes.fds(found):
        print(line)
    snaps = {s["label"]: s for s in read(record, "snapshots")}
    if "start" in snaps and "end" in snaps:
        a, b = snaps["start"], snaps["end"]
        for who in ("operator", "gateway"):
            same = "same process" if a[f"{who}_pid"] == b[f"{who}_pid"] else "a restarted process"
            print(f"- open fds, {who}: {a[f'{who}_fds']} at start, {b[f'{who}_fds']} at end ({same})")
        print(f"- state directory: {a['state_bytes'] / 1024:.0f} KiB at start, {b['state_bytes'] / 1024:.0f} KiB at end"
              + ("; largest at the end: " + ", ".join(f"{p} {n / 1024:.0f} KiB" for p, n in b.get("largest", []))
                 if b.get("largest") else ""))

    histograms = read(record, "propagation")
    if histograms:
        merged, count, total = defaultdict(int), 0, 0.0
        for buckets, s, c in histograms[-1]["histograms"].values():
            for le, n in buckets:
                merged[le] += n
            count, total = count + c, total + s
        bounds = sorted(((float(le) if le != "+Inf" else float("inf")), n) for le, n in merged.items())

        def quantile(q):
            return next((le for le, n in bounds if n >= q * count), float("inf"))
        print(f"- weight propagation, the operator's histogram summed over its {len(histograms[-1]['histograms'])} "
              f"lifetimes: {count} changes pushed, mean {total / count * 1000 if count else 0:.0f} ms, p50 <= "
              f"{quantile(0.5) * 1000:g} ms, p99 <= {quantile(0.99) * 1000:g} ms (bucket bounds)")
    weights = read(record, "weights")
    if weights and weights[-1]["changes"]:
        ms = [c[0] for c in weights[-1]["changes"] if c[1]]
        missed = sum(1 for c in weights[-1]["changes"] if not c[1])
        print(f"- weight change on `front` -> every proxy confirmed, from `meshctl apply` returning (polled every "
              f"5 ms): {len(ms)} changes, p50 {pct(ms, 50):.0f} ms, p99 {pct(ms, 99):.0f} ms, max {max(ms):.0f} ms"
              + (f"; {missed} not confirmed within 20 s" if missed else ""))
    print()
    print(f"RSS slopes per process instance (MB per 10 minutes, least squares over VmRSS every ~10 s), every instance "
          f"that lived {(slopes.FIRST_MINUTE + slopes.JUDGE) / 60:.0f}+ min; 'after warm-up' leaves out its first "
          f"{slopes.WARM_UP / 60:.0f} min and needs {slopes.JUDGE / 60:.0f} min of samples after them:")
    print()
    for row in slopes.table(found):
        print(row)
