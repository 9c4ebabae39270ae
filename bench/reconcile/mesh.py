#!/usr/bin/env python3
"""bench/reconcile helpers: manifests for N services x 2 replicas behind a split, the operator's API over its Unix
socket (polled in-process, so a poll costs ~1 ms, not a curl + python start), waits and timings.

  mesh.py manifests DIR SERVICES WEIGHT      write DIR/mesh.yaml (svc-0..N-1, 2 replicas each; `front` splits
                                             svc-0 / svc-1 at 100-WEIGHT / WEIGHT)
  mesh.py wait-ready STATE [TIMEOUT]         until every Service is Ready; prints the seconds waited
  mesh.py changes STATE DIR SERVICES COUNT [api]
                                             COUNT weight changes, each `meshctl apply` (or, with `api`, one
                                             POST /v1/apply on the socket, as a controller would: no CLI process)
                                             then polling the split until every proxy confirmed it; prints one line
                                             per change and a summary
  mesh.py propagation STATE                  the operator's own propagation histogram, as one line
  mesh.py pids STATE                         slot -> pid of every recorded process (JSON), from `/v1/status`
  mesh.py cpu STATE [BEFORE.json]            CPU seconds (utime + stime from /proc) of the operator, the sidecars,
                                             the gateway and the workloads, as JSON; with BEFORE.json (an earlier
                                             output), what each spent since
"""
import http.client, json, os, socket, subprocess, sys, time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=5)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(self.path)


def api(state, path):
    connection = UnixConnection(os.path.join(state, "operator.sock"))
    try:
        connection.request("GET", path)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def port_base():
    base = int(os.environ.get("MESH_BENCH_PORT_BASE", "31000"))  # another bench may hold 31000+
    if base <= 29999 and base + 300 >= 20000:  # a bench takes up to ~300 ports from its base
        # The operator hands sidecars ports from its own book (PortBook: 20000-29999): a Service there would race them.
        raise SystemExit(f"MESH_BENCH_PORT_BASE={base}: choose a base outside the operator's port book 20000-29999")
    return base


def service_doc(name, port, arguments, replicas, health="{path: /healthz}", upstreams=None):
    """One Service running `meshctl demo-app ARGUMENTS` behind sidecars; ARGUMENTS are YAML flow items."""
    declared = "" if upstreams is None else f"  upstreams: [{', '.join(upstreams)}]\n"
    return f"""apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {{name: {name}}}
spec:
  port: {port}
  command: [meshctl, demo-app, {arguments}]
  replicas: {replicas}
  healthCheck: {health}
{declared}"""


def declared_upstreams(i, n):
    """With UPSTREAMS=K in the environment, what svc-I declares (`spec.upstreams`): the next K services, and for one
    service in ten the split's root `front` too (plus the names in CALLS_ALSO, comma-separated); without it, nothing
    is declared and every sidecar carries the whole mesh."""
    k = os.environ.get("UPSTREAMS")
    if k is None or k == "":
        return None
    names = [f"svc-{(i + j) % n}" for j in range(1, int(k) + 1) if (i + j) % n != i]
    if i % 10 == 0:
        names += ["front"] + [x for x in os.environ.get("CALLS_ALSO", "").split(",") if x]
    return names


def manifests(out, n, weight):
    os.makedirs(out, exist_ok=True)
    base = port_base()
    docs = [service_doc(f"svc-{i}", base + i, "--version, v1", 2, upstreams=declared_upstreams(i, n)) for i in range(n)]
    docs.append(f"""apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {{name: front}}
spec: {{port: {base + n}}}
---
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: {{name: front}}
spec:
  service: front
  backends:
  - {{service: svc-0, weight: {100 - weight}}}
  - {{service: svc-1, weight: {weight}}}
""")
    with open(os.path.join(out, "mesh.yaml"), "w") as f:
        f.write("---\n".join(docs))


def all_ready(state):
    try:
        items = api(state, "/v1/objects?kind=Service")["items"]
    except OSError:
        return False
    return bool(items) and all(
        any(c["type"] == "Ready" and c["status"] == "True" for c in i.get("status", {}).get("conditions", []))
        for i in items)


def wait_ready(state, timeout):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if all_ready(state):
            return time.monotonic() - start
        time.sleep(0.05)
    raise SystemExit(f"not all Ready after {timeout} s")


def split_confirmed(state):
    o = api(state, "/v1/objects?kind=TrafficSplit&name=front")["items"][0]
    st = o.get("status", {})
    return (st.get("observedGeneration") == o["metadata"]["generation"] and st.get("proxies", 0) > 0
            and st.get("proxiesConfigured") == st.get("proxies"))


def api_apply(state, out):
    files = [{"name": os.path.join(out, f), "content": open(os.path.join(out, f)).read()} for f in sorted(os.listdir(out))]
    connection = UnixConnection(os.path.join(state, "operator.sock"))
    try:
        connection.request("POST", "/v1/apply", body=json.dumps({"files": files, "source": out}),
                           headers={"content-type": "application/json"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"apply: {response.status} {body[:300]!r}")
    finally:
        connection.close()


def apply_and_confirm(state, out, meshctl, mode="cli", timeout=20.0):
    """Applies the manifests in OUT (`meshctl apply`, or with mode `api` one POST /v1/apply), then polls the `front`
    split every 5 ms until every proxy confirmed it. Returns (ms after apply returned, ms from starting the apply,
    confirmed?); waits at most TIMEOUT seconds."""
    t0 = time.monotonic()
    if mode == "api":
        api_apply(state, out)
    else:
        subprocess.run([meshctl, "apply", "--state-dir", state, "-f", out], check=True, stdout=subprocess.DEVNULL)
    t1 = time.monotonic()
    confirmed = False
    while not confirmed and time.monotonic() - t1 < timeout:
        try:
            confirmed = split_confirmed(state)
        except (OSError, KeyError, IndexError, ValueError):
            pass  # the operator may be restarting: keep polling until the deadline
        if not confirmed:
            time.sleep(0.005)
    t2 = time.monotonic()
    return (t2 - t1) * 1000, (t2 - t0) * 1000, confirmed


def changes(state, out, n, count, meshctl, mode="cli"):
    after_apply, from_start = [], []
    for i in range(1, count + 1):
        manifests(out, n, (i % 2) * 100)
        after, total, _ = apply_and_confirm(state, out, meshctl, mode)
        after_apply.append(after)
        from_start.append(total)
        print(f"change {i}: confirmed {after_apply[-1]:.0f} ms after apply returned ({from_start[-1]:.0f} ms from "
              f"starting apply)", flush=True)
        time.sleep(0.5)

    def pct(values, q):
        v = sorted(values)
        return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))]
    started = "from sending POST /v1/apply" if mode == "api" else "from starting `meshctl apply`"
    for name, values in (("after apply returned", after_apply), (started, from_start)):
        print(f"weight change -> every proxy confirmed, {name} ({len(values)} changes; includes the status write "
              f"and the 5 ms poll): p50 {pct(values, 50):.0f} ms, p99 {pct(values, 99):.0f} ms, "
              f"max {max(values):.0f} ms")


def propagation_histogram(state):
    """The operator's mesh_operator_config_propagation_seconds histogram from its /metrics: ([(le, cumulative
    count)], sum in seconds, count). It lives in the operator's memory, so it starts again at 0 when the operator does."""
    address = open(os.path.join(state, "http.addr")).read().strip().replace("http://", "").rstrip("/")
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    buckets, total, count = [], 0.0, 0
    for line in text.splitlines():
        if line.startswith("mesh_operator_config_propagation_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            buckets.append((le, int(float(line.rsplit(" ", 1)[1]))))
        elif line.startswith("mesh_operator_config_propagation_seconds_sum"):
            total = float(line.rsplit(" ", 1)[1])
        elif line.startswith("mesh_operator_config_propagation_seconds_count"):
            count = int(float(line.rsplit(" ", 1)[1]))
    return buckets, total, count


def propagation_line(buckets, total, count):
    mean = f"{total / count * 1000:.0f} ms" if count else "-"
    return (f"operator's own propagation histogram (stored change -> every proxy confirmed): {count} changes, mean {mean}; "
            + ", ".join(f"<= {le} s: {n}" for le, n in buckets if le in ("0.025", "0.05", "0.1", "0.25", "+Inf")))


def propagation(state):
    """The operator's own figure, as one line."""
    print(propagation_line(*propagation_histogram(state)))


def live_processes(state):
    """Every recorded process that is starting or ready, from `/v1/status` (slot, role, service, pid, ports, ...)."""
    return [p for p in api(state, "/v1/status").get("processes", []) if p["state"] in ("ready", "starting")]


def pids(state):
    print(json.dumps({p["slot"]: p["pid"] for p in live_processes(state)}, sort_keys=True))


def cpu_seconds(pid):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu(state, before_path=None):
    """Where the CPU of a series went: by role, summed over the processes alive now."""
    totals = {"operator": cpu_seconds(int(open(os.path.join(state, "operator.pid")).read()))}
    for p in live_processes(state):
        totals[p["role"]] = totals.get(p["role"], 0.0) + cpu_seconds(p["pid"])
    if before_path:
        before = json.load(open(before_path))
        print("CPU seconds spent, by role: " + ", ".join(
            f"{role} {totals[role] - before.get(role, 0.0):.2f}" for role in sorted(totals)))
    else:
        print(json.dumps(totals))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "manifests":
        manifests(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif command == "wait-ready":
        print(f"{wait_ready(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 120):.2f}")
    elif command == "changes":
        changes(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), os.environ["MESHCTL"],
                sys.argv[6] if len(sys.argv) > 6 else "cli")
    elif command == "propagation":
        propagation(sys.argv[2])
    elif command == "pids":
        pids(sys.argv[2])
    elif command == "cpu":
        cpu(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    else:
        raise SystemExit(__doc__)
