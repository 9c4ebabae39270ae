"""RSS slopes of the soak's processes, per process instance (one pid in one slot), from the observer's samples (VmRSS
every ~10 s). A proxy's heap grows to its working set in its first minutes (connection buffers, TLS state, pools,
metric series); a leak keeps growing after that. So each instance gets three figures, all printed:
  - whole life: least squares from its first minute on (the figure earlier soaks reported);
  - after warm-up: least squares from WARM_UP seconds into its life on, only when at least JUDGE seconds of samples
    follow (else the instance is flagged "too short to judge": its life is mostly warm-up);
  - second half of its life.
WARM_UP is 3 minutes: under steady load alone a gateway went 26.9 -> 29.5 MB in its first 3 minutes and +0.30 MB per
10 minutes after (docs/performance.md, rss-churn.sh load); JUDGE is 5 minutes, 30 samples: a slope of 1 MB per 10
minutes is then 0.5 MB, above the 0.1-0.4 MB steps one allocation peak makes.
Beside VmRSS, the after-warm-up slope of RssAnon (samples that have it): the process's own memory, where a leak shows.
The rest of VmRSS is file pages (the executable and libraries, mapped shared), which grow as code paths run for the
first time and stop at the files' sizes."""
import statistics
from collections import defaultdict

FIRST_MINUTE = 60.0
WARM_UP = 180.0
JUDGE = 300.0
KINDS = ("operator", "gateway", "sidecar", "workload")


def least_squares(points):
    """MB per 10 minutes of (t, kB) points; None for fewer than 5."""
    if len(points) < 5:
        return None
    ts, vs = [p[0] for p in points], [p[1] for p in points]
    mt, mv = statistics.fmean(ts), statistics.fmean(vs)
    spread = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (v - mv) for t, v in zip(ts, vs)) / spread * 600 / 1024 if spread else None


def instances(samples):
    """One entry per process instance: kind, slot, pid, life (s), first and last RSS (MB), its three slopes, whether
    it can be judged, its fds at start, end and most (when sampled) and whether it was still alive at the last
    sample of the soak."""
    series = defaultdict(list)
    for s in samples:
        series[(s["kind"], s["slot"], s["pid"])].append((s["t"], s["rss_kb"], s.get("fds"), s.get("anon_kb")))
    last = max((s["t"] for s in samples), default=0)
    out = []
    for (kind, slot, pid), points in series.items():
        points.sort()
        t0 = points[0][0]
        life = points[-1][0] - t0
        rss = [(t, kb) for t, kb, _, _ in points]
        warm = [p for p in rss if p[0] - t0 >= WARM_UP]
        judged = bool(warm) and warm[-1][0] - warm[0][0] >= JUDGE
        warm_anon = [(t, a) for t, _, _, a in points if a is not None and t - t0 >= WARM_UP]
        fds = [f for _, _, f, _ in points if f is not None]
        out.append({
            "kind": kind, "slot": slot, "pid": pid, "life": life, "first_mb": rss[0][1] / 1024,
            "last_mb": rss[-1][1] / 1024, "whole": least_squares([p for p in rss if p[0] - t0 >= FIRST_MINUTE]),
            "after_warm_up": least_squares(warm) if judged else None, "judged": judged,
            "anon_after_warm_up": least_squares(warm_anon) if judged else None,
            "anon_mb": (warm_anon[0][1] / 1024, warm_anon[-1][1] / 1024) if warm_anon else None,
            "warm_mb": warm[0][1] / 1024 if warm else None,
            "second_half": least_squares([p for p in rss if p[0] >= t0 + life / 2]),
            "fds": (fds[0], fds[-1], max(fds)) if fds else None, "alive_at_end": points[-1][0] >= last - 30,
        })
    return out


def fmt(v):
    return "-" if v is None else f"{v:+.2f}"


def summary(found):
    """Per kind: lines for the report (the verdict uses the after-warm-up figures of the judged instances)."""
    lines = []
    for kind in KINDS:
        mine = [i for i in found if i["kind"] == kind]
        judged = [i for i in mine if i["judged"]]
        whole = [i for i in mine if i["whole"] is not None and i["life"] >= FIRST_MINUTE + JUDGE]
        if not mine:
            continue
        text = f"- RSS, {kind}: {len(mine)} instances; "
        if judged:
            worst = max(judged, key=lambda i: abs(i["after_warm_up"]))
            text += (f"{len(judged)} lived long enough to judge ({(WARM_UP + JUDGE) / 60:.0f}+ min): after the first "
                     f"{WARM_UP / 60:.0f} min median {statistics.median(i['after_warm_up'] for i in judged):+.2f} "
                     f"MB/10 min, worst {worst['after_warm_up']:+.2f} ({worst['slot']} pid {worst['pid']}, "
                     f"{worst['warm_mb']:.1f} -> {worst['last_mb']:.1f} MB over {(worst['life'] - WARM_UP) / 60:.0f} "
                     f"min)")
            anon = [i for i in judged if i["anon_after_warm_up"] is not None]
            if anon:
                worst = max(anon, key=lambda i: abs(i["anon_after_warm_up"]))
                text += (f"; its own memory (RssAnon) after the first {WARM_UP / 60:.0f} min median "
                         f"{statistics.median(i['anon_after_warm_up'] for i in anon):+.2f} MB/10 min, worst "
                         f"{worst['anon_after_warm_up']:+.2f} ({worst['slot']} pid {worst['pid']}, "
                         f"{worst['anon_mb'][0]:.1f} -> {worst['anon_mb'][1]:.1f} MB)")
        else:
            text += "none lived long enough to judge"
        if whole:
            worst = max(whole, key=lambda i: abs(i["whole"]))
            text += (f"; whole life after its first minute ({len(whole)} of 6+ min): median "
                     f"{statistics.median(i['whole'] for i in whole):+.2f}, worst {worst['whole']:+.2f} "
                     f"({worst['slot']} pid {worst['pid']}, {worst['life'] / 60:.0f} min)")
        short = len(mine) - len(judged)
        if short:
            text += f"; {short} too short to judge (longest {max(i['life'] for i in mine if not i['judged']) / 60:.1f} min)"
        lines.append(text)
    return lines


def table(found, min_life=FIRST_MINUTE + JUDGE):
    """Every instance that lived at least MIN_LIFE seconds (the others are counted in `summary`), longest first per
    kind: all three slopes, flagged where too short to judge."""
    rows = ["| process | pid | life | RSS first -> at 3 min -> last (MB) | slope whole life | after warm-up | "
            "second half | RssAnon after warm-up (MB; slope) | fds start / end / max |",
            "|---|---|---|---|---|---|---|---|---|"]
    for kind in KINDS:
        for i in sorted((i for i in found if i["kind"] == kind and i["life"] >= min_life), key=lambda i: -i["life"]):
            fds = "/".join(map(str, i["fds"])) if i["fds"] else "-"
            warm = f"{i['warm_mb']:.1f}" if i["warm_mb"] is not None else "-"
            after = fmt(i["after_warm_up"]) if i["judged"] else "too short to judge"
            anon = (f"{i['anon_mb'][0]:.1f} -> {i['anon_mb'][1]:.1f}; {fmt(i['anon_after_warm_up'])}"
                    if i["anon_mb"] and i["judged"] else "-")
            rows.append(f"| {i['slot']} | {i['pid']} | {i['life'] / 60:.1f} min{'' if i['alive_at_end'] else ', ended'}"
                        f" | {i['first_mb']:.1f} -> {warm} -> {i['last_mb']:.1f} | {fmt(i['whole'])} | {after} | "
                        f"{fmt(i['second_half'])} | {anon} | {fds} |")
    return rows


def fds(found):
    """Per kind: the open fds of its instances (sampled with RSS): the most any held, and at the soak's end."""
    lines = []
    for kind in KINDS:
        mine = [i for i in found if i["kind"] == kind and i["fds"]]
        if not mine:
            continue
        at_end = [i["fds"][1] for i in mine if i["alive_at_end"]]
        most = max(mine, key=lambda i: i["fds"][2])
        lines.append(f"- open fds, {kind}: at most {most['fds'][2]} ({most['slot']} pid {most['pid']})"
                     + (f"; at the end {min(at_end)}-{max(at_end)} over {len(at_end)} instances" if at_end else ""))
    return lines
