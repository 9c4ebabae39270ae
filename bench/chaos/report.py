"""The soak's figures from its record, printed as Markdown (to paste into docs/performance.md): requests and failures
(each run of failures matched to the chaos event just before it), RSS slope per process kind, file descriptors, the
state directory's size and the weight-propagation percentiles."""
import re, statistics, time
from collections import defaultdict

from journal import read

ATTRIBUTION_WINDOW = 10.0  # seconds: a failure is put on the last event at most this long before it


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


def least_squares(points):
    """MB per 10 minutes of (t, kB) points."""
    ts, vs = [p[0] for p in points], [p[1] for p in points]
    mt, mv = statistics.fmean(ts), statistics.fmean(vs)
    return sum((t - mt) * (v - mv) for t, v in zip(ts, vs)) / sum((t - mt) ** 2 for t in ts) * 600 / 1024


def slopes(samples, soak_seconds):
    """MB per 10 minutes for each process instance that lived long enough (least squares over its samples after
    its first minute, so start-up allocation is not counted as a leak), grouped by kind; and the same over the second
    half of its life alone. Warming up (connection buffers, pools, metric series filling) flattens out; a leak keeps
    its slope in the second half."""
    series = defaultdict(list)
    for s in samples:
        series[(s["kind"], s["slot"], s["pid"])].append((s["t"], s["rss_kb"]))
    minimum = min(300.0, 0.5 * soak_seconds)
    by_kind = defaultdict(list)
    for (kind, slot, pid), points in series.items():
        points.sort()
        warm = [p for p in points if p[0] - points[0][0] >= min(60.0, 0.2 * soak_seconds)]
        if len(warm) < 5 or warm[-1][0] - warm[0][0] < minimum:
            continue
        late = [p for p in points if p[0] >= (points[0][0] + points[-1][0]) / 2]
        by_kind[kind].append((least_squares(warm), slot, pid, warm[-1][0] - warm[0][0], warm[0][1] / 1024,
                              warm[-1][1] / 1024, least_squares(late) if len(late) >= 5 else None))
    return by_kind


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
    print(f"- wrk (50 connections through the gateway to `front`): {requests} requests, socket errors "
          + ", ".join(f"{k} {v}" for k, v in errors.items()) + f", non-2xx {non2xx}")
    if episodes:
        print(f"  - failures by the event before them (estimated per second from wrk's Lua counters; a killed gateway "
              f"also costs every attempt wrk makes while nothing listens): "
              + by_cause(events, [(e["first"], e["failed"]) for e in episodes]))
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
    runs = []
    for f in failures:
        if runs and f["t"] - runs[-1][-1]["t"] <= 2:
            runs[-1].append(f)
        else:
            runs.append([f])
    if runs:
        print("  - failures by the event before them (kill-sidecar of svc-2/sidecar/0 is the client's own sidecar: its "
              "calls have nowhere to go until it is back): " + by_cause(events, [(r[0]["t"], len(r)) for r in runs]))
    for r in runs:
        errors_seen = sorted({f["error"][:60] for f in r})
        print(f"  - {clock(r[0]['t'])}-{clock(r[-1]['t'])}: {len(r)} failed ({'; '.join(errors_seen)}); "
              f"after {cause(events, r[0]['t'])}")

    by_kind = slopes(read(record, "samples"), minutes * 60)
    for kind in ("operator", "gateway", "sidecar", "workload"):
        values = by_kind.get(kind, [])
        if not values:
            print(f"- RSS slope, {kind}: no instance lived long enough to measure")
            continue
        worst = max(values, key=lambda v: abs(v[0]))
        print(f"- RSS slope, {kind}: {len(values)} instances measured, median "
              f"{statistics.median(v[0] for v in values):+.2f} MB/10 min, worst {worst[0]:+.2f} "
              f"({worst[1]} pid {worst[2]}, {worst[4]:.1f} -> {worst[5]:.1f} MB over {worst[3] / 60:.0f} min)")
        late = [v[6] for v in values if v[6] is not None]
        if late:
            print(f"  - over the second half of each instance's life: median {statistics.median(late):+.2f}, "
                  f"worst {max(late, key=abs):+.2f} MB/10 min")

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
