"""Self-registration reaching every proxy: register (or let expire) an instance of `ext` over the operator's socket,
then poll every proxy's admin GET /config in parallel until each lists (or no longer lists) it. Prints p50/p99/max
of the time from the API's answer (registration) or from the TTL's end (expiry) to the last proxy.

Usage: python3 registration.py STATE COUNT (SAMPLES=path writes each sample a line: registration ms, expiry ms, and
the admin port of the proxy that dropped the expiry last)"""
import json, os, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reconcile"))
from mesh import UnixConnection, api  # noqa: E402


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
    return [port for port in ports if carries(port)]


def carries(port):
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/config")
        return any(s.get("name") == "ext" for s in json.loads(connection.getresponse().read()).get("services", []))
    finally:
        connection.close()


def lists(port, address):
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/config")
        config = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    for service in config.get("services", []):
        if service.get("name") == "ext":
            return address in service.get("endpoints", [])
    return False


def until_all(ports, address, present, deadline):
    """Seconds until every proxy agrees, each polled every 2 ms on its own thread."""
    done = {}
    def watch(port):
        while time.monotonic() < deadline:
            try:
                agrees = lists(port, address) == present
            except OSError:  # a poll that timed out (a loaded machine): poll again, do not lose the proxy
                agrees = False
            if agrees:
                done[port] = time.monotonic()
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


last_port = []  # the proxy that agreed last, each call


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
    for i in range(count):
        address = f"127.0.0.1:{40000 + i}"
        status, body = post(state, "/v1/registrations", {"service": "ext", "address": address, "ttl": "1s"})
        answered = time.monotonic()
        if status != 200:
            raise SystemExit(f"register: {status} {body}")
        registered.append(until_all(ports, address, True, answered + 10) - answered)
        # No heartbeat: it expires 1 s after registering; the time counts from there.
        expired.append(until_all(ports, address, False, answered + 11) - (answered + body["ttlSeconds"]))
    if os.environ.get("SAMPLES"):  # each sample in order, to set beside the operator's trace log
        with open(os.environ["SAMPLES"], "w") as out:
            for i, (r, e) in enumerate(zip(registered, expired)):
                out.write(f"{r * 1000:.1f} {e * 1000:.1f} {last_port[2 * i + 1]}\n")
    report("registration -> every proxy", registered, len(ports))
    report("TTL expiry -> every proxy (from the TTL's end)", expired, len(ports))


main()
