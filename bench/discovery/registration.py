"""Self-registration reaching every proxy: register an instance of `ext` over the operator's socket and let it expire
(no heartbeat); time each to the last proxy that carries `ext`. Prints p50/p99/max of the time from the registration's
request (registration) or from the TTL's end (expiry) to the last proxy.

How a proxy's time is taken (MEASURE):
- `stamp` (default): each proxy says when it began to serve its running configuration (`GET /config/version`'s
  `appliedAt`, the wall clock once every event loop of it swapped the configuration in). The bench sleeps while the
  change travels and looks at each proxy once, FIRST_LOOK seconds (default 0.15) after the change: a proxy that
  lists (registration) or no longer lists (expiry) the instance gives its `appliedAt`; one that does not agree yet is
  looked at again every 10 ms. A sample is the latest proxy's `appliedAt`. Nothing of the bench runs while a change
  travels, unless it takes longer than FIRST_LOOK.
- `poll`: one thread per proxy polls its `GET /config` every 2 ms until it agrees (the figure until session 13). On 2
  cores the 21 pollers, and the proxies answering them, compete with the operator and proxies for the CPU.

The TTL's end is when the registration was sent plus its TTL: the operator's deadline is no earlier (it starts the
TTL when the request reaches it), so the expiry figure is never shorter than the operator's.

Usage: python3 registration.py STATE COUNT (SAMPLES=path writes each sample a line: registration ms, expiry ms, and
the admin port of the proxy that dropped the expiry last)"""
import http.client, json, os, resource, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reconcile"))
from mesh import UnixConnection, api  # noqa: E402

MEASURE = os.environ.get("MEASURE", "stamp")
FIRST_LOOK = float(os.environ.get("FIRST_LOOK", "0.15"))


def post(state, path, body):
    connection = UnixConnection(os.path.join(state, "operator.sock"))
    try:
        connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def admin_ports(state):
    """The proxies that carry `ext` (all of them unless sidecars declare `spec.upstreams`, bench/reconcile/mesh.py)."""
    ports = [p["ports"]["admin"] for p in api(state, "/v1/status")["processes"]
             if p["role"] in ("sidecar", "gateway") and p["state"] == "ready" and "admin" in p["ports"]]
    return [port for port in ports if ext_endpoints(get(port, "/config")) is not None]


def get(port, path, connection=None):
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return json.loads(connection.getresponse().read())
    finally:
        if own:
            connection.close()


def ext_endpoints(config):
    """`ext`'s endpoints in a proxy's configuration; None when it does not carry `ext`."""
    for service in config.get("services", []):
        if service.get("name") == "ext":
            return service.get("endpoints", [])
    return None


def lists(port, address):
    return address in (ext_endpoints(get(port, "/config")) or [])


def until_all_polled(ports, address, present, deadline):
    """MEASURE=poll: the time.time() at which the last proxy was seen to agree, each polled every 2 ms on its own
    thread."""
    done = {}
    def watch(port):
        while time.time() < deadline:
            try:
                agrees = lists(port, address) == present
            except OSError:  # a poll that timed out (a loaded machine): poll again, do not lose the proxy
                agrees = False
            if agrees:
                done[port] = time.time()
                return
            time.sleep(0.002)
    threads = [threading.Thread(target=watch, args=(p,)) for p in ports]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if len(done) < len(ports):
        raise SystemExit(f"{len(ports) - len(done)} proxies never agreed on {address}")
    last_port.append(max(done, key=done.get))
    return max(done.values())


def applied(port, address, present):
    """The proxy's `appliedAt` when the configuration it serves agrees (lists the address, or not), else None. The
    version is read on both sides of the look at /config, so the time belongs to the configuration looked at."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        served = get(port, "/config/version", connection)
        if "appliedAt" not in served:
            raise SystemExit(f"the proxy on {port} does not say when it applied its configuration: MEASURE=poll")
        config = get(port, "/config", connection)
    finally:
        connection.close()
    if config.get("version") != served["version"]:
        return None  # it changed between the two reads: look again
    return served["appliedAt"] if ((address in (ext_endpoints(config) or [])) == present) else None


def until_all_stamped(ports, address, present, first_look, deadline):
    """MEASURE=stamp: the latest `appliedAt` of the configurations that agree, looked at from `first_look` on."""
    pause = first_look - time.time()
    if pause > 0:
        time.sleep(pause)
    stamps, waiting, why = {}, list(ports), {}
    while waiting:  # bounded by the deadline
        if time.time() > deadline:
            raise SystemExit(f"{len(waiting)} proxies never agreed on {address}: "
                             + ", ".join(f"{port}: {why.get(port)}" for port in waiting))
        later = []
        for port in waiting:
            try:
                stamp = applied(port, address, present)
                why[port] = "still lists it" if not present else "does not list it yet"
            except (OSError, http.client.HTTPException, ValueError) as error:  # timed out on a loaded machine
                stamp, why[port] = None, repr(error)
            if stamp is None:
                later.append(port)
            else:
                stamps[port] = stamp
        waiting = later
        if waiting:
            looked_again[0] += 1
            time.sleep(0.01)
    last_port.append(max(stamps, key=stamps.get))
    return max(stamps.values())


def until_all(ports, address, present, since, deadline):
    if MEASURE == "poll":
        return until_all_polled(ports, address, present, deadline)
    return until_all_stamped(ports, address, present, since + FIRST_LOOK, deadline)


last_port = []  # the proxy that agreed last, each call
looked_again = [0]  # MEASURE=stamp: looks that found a proxy not agreeing yet


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def report(name, values, proxies):
    ms = [v * 1000 for v in values]
    print(f"{name}: n={len(ms)} proxies={proxies} p50={pct(ms, .5):.1f} ms p99={pct(ms, .99):.1f} ms max={max(ms):.1f} ms")


def main():
    state, count = sys.argv[1], int(sys.argv[2])
    ports = admin_ports(state)
    registered, expired = [], []
    started, cpu_before = time.time(), resource.getrusage(resource.RUSAGE_SELF)
    for i in range(count):
        address = f"127.0.0.1:{40000 + i}"
        sent = time.time()
        status, body = post(state, "/v1/registrations", {"service": "ext", "address": address, "ttl": "1s"})
        answered = time.time()
        if status != 200:
            raise SystemExit(f"register: {status} {body}")
        # From the request's send: the operator may push before its answer is back (a stamp can precede `answered`).
        registered.append(until_all(ports, address, True, answered, sent + 10) - sent)
        # No heartbeat: it expires one TTL after the operator took the registration, no earlier than `sent` + TTL.
        ttl_end = sent + body["ttlSeconds"]
        expired.append(until_all(ports, address, False, ttl_end, ttl_end + 10) - ttl_end)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    if os.environ.get("SAMPLES"):  # each sample in order, to set beside the operator's trace log
        with open(os.environ["SAMPLES"], "w") as out:
            for i, (r, e) in enumerate(zip(registered, expired)):
                out.write(f"{r * 1000:.1f} {e * 1000:.1f} {last_port[2 * i + 1]}\n")
    report("registration -> every proxy", registered, len(ports))
    report("TTL expiry -> every proxy (from the TTL's end)", expired, len(ports))
    spent = cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    extra = f", {looked_again[0]} looks found a proxy behind (first look {FIRST_LOOK:g} s after)" if MEASURE == "stamp" else ""
    print(f"measured by {MEASURE}: the bench's own CPU {spent:.1f} s in {time.time() - started:.0f} s{extra}")


main()
