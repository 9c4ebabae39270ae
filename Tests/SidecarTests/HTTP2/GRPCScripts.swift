/// Python gRPC (Debian's python3-grpcio) and raw HTTP/2 (python3-h2) programs the gRPC tests run through the proxy.
/// The server uses generic handlers with bytes in and out, so no protoc is needed.
enum GRPCScripts {
    /// `server.py NAME [FAIL_SHARE]`: service `test.Echo` on a free port (prints `port N`); `Unary` echoes (and
    /// echoes `x-client` metadata as `x-echo`, names the server in trailing `x-backend`, fails every 1/FAIL_SHARE-th
    /// call with UNAVAILABLE), `Stream` sends N items, `Bidi` upper-cases each message, `Collect` counts bytes, `Fail`
    /// answers NOT_FOUND with a message, `Slow` takes 2 s.
    static let server = #"""
import sys, time, grpc
from concurrent import futures
name = sys.argv[1]
fail_share = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
calls = {"n": 0}
def ident(x): return x
def unary(req, ctx):
    calls["n"] += 1
    if fail_share and (calls["n"] % int(round(1 / fail_share)) == 0):
        # Before any metadata: a Trailers-Only answer, the status in the response's only HEADERS.
        ctx.abort(grpc.StatusCode.UNAVAILABLE, "flaky " + name)
    md = dict(ctx.invocation_metadata())
    ctx.send_initial_metadata((("x-echo", md.get("x-client", "")),))
    ctx.set_trailing_metadata((("x-backend", name),))
    return req
def stream(req, ctx):
    for i in range(int(req.decode())):
        yield b"item %d" % i
def bidi(it, ctx):
    for m in it:
        yield m.upper()
def collect(it, ctx):
    return str(sum(len(m) for m in it)).encode()
def fail(req, ctx):
    ctx.abort(grpc.StatusCode.NOT_FOUND, "no such thing: " + req.decode())
def slow(req, ctx):
    time.sleep(2)
    return req
h = grpc.method_handlers_generic_handler("test.Echo", {
    "Unary": grpc.unary_unary_rpc_method_handler(unary, ident, ident),
    "Stream": grpc.unary_stream_rpc_method_handler(stream, ident, ident),
    "Bidi": grpc.stream_stream_rpc_method_handler(bidi, ident, ident),
    "Collect": grpc.stream_unary_rpc_method_handler(collect, ident, ident),
    "Fail": grpc.unary_unary_rpc_method_handler(fail, ident, ident),
    "Slow": grpc.unary_unary_rpc_method_handler(slow, ident, ident),
})
opts = [("grpc.max_receive_message_length", 16 << 20), ("grpc.max_send_message_length", 16 << 20)]
server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=opts)
server.add_generic_rpc_handlers((h,))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print("port", port, flush=True)
server.wait_for_termination()
"""#

    /// `client.py PORT`: every kind of call on ONE channel (one HTTP/2 connection); prints one line per case.
    static let client = #"""
import sys, time, grpc, socket
port = int(sys.argv[1])
opts = [("grpc.max_receive_message_length", 16 << 20), ("grpc.max_send_message_length", 16 << 20)]
ch = grpc.insecure_channel("127.0.0.1:%d" % port, options=opts)
ident = lambda x: x
def say(*a): print(*a, flush=True)
unary = ch.unary_unary("/test.Echo/Unary", request_serializer=ident, response_deserializer=ident)
resp, call = unary.with_call(b"hello", metadata=(("x-client", "c1"),), timeout=10)
say("unary", resp.decode())
say("initial-metadata", dict(call.initial_metadata()).get("x-echo"))
say("trailing-metadata", dict(call.trailing_metadata()).get("x-backend") in ("a", "b"))
backends = []
for i in range(20):
    _, c = unary.with_call(b"x", timeout=10)
    backends.append(dict(c.trailing_metadata()).get("x-backend"))
say("balanced", "".join(sorted(set(backends))), len(backends))
stream = ch.unary_stream("/test.Echo/Stream", request_serializer=ident, response_deserializer=ident)
say("server-streaming", len(list(stream(b"5", timeout=10))))
bidi = ch.stream_stream("/test.Echo/Bidi", request_serializer=ident, response_deserializer=ident)
say("bidi", b",".join(bidi(iter([b"a", b"b", b"c"]), timeout=10)).decode())
collect = ch.stream_unary("/test.Echo/Collect", request_serializer=ident, response_deserializer=ident)
say("client-streaming", collect(iter([b"ab", b"cde"]), timeout=10).decode())
fail = ch.unary_unary("/test.Echo/Fail", request_serializer=ident, response_deserializer=ident)
try:
    fail(b"thing", timeout=10); say("error none")
except grpc.RpcError as e:
    say("error", e.code().name, e.details())
slow = ch.unary_unary("/test.Echo/Slow", request_serializer=ident, response_deserializer=ident)
start = time.time()
try:
    slow(b"z", timeout=0.3); say("deadline none")
except grpc.RpcError as e:
    say("deadline", e.code().name, round(time.time() - start, 1) < 1.5)
big = b"m" * (4 << 20)
say("large", len(unary(big, timeout=30)))
"""#

    /// `rawtimeout.py PORT`: a gRPC call with `grpc-timeout: 200m` to `Slow`, over raw HTTP/2; prints the
    /// `grpc-status`, `x-mesh-reason`, and whether the answer came within 1.5 s.
    static let rawTimeout = #"""
import socket, sys, time, h2.connection, h2.events, h2.config
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5)
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
c.initiate_connection(); s.sendall(c.data_to_send())
c.send_headers(1, [(":method", "POST"), (":path", "/test.Echo/Slow"), (":scheme", "http"), (":authority", "api"),
                   ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", "200m")])
c.send_data(1, b"\x00\x00\x00\x00\x01z", end_stream=True); s.sendall(c.data_to_send())
start = time.time(); headers = {}
while True:
    data = s.recv(65536)
    if not data: print("closed"); break
    ended = False
    for e in c.receive_data(data):
        if isinstance(e, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
            headers.update({k.decode(): v.decode() for k, v in e.headers})
        if isinstance(e, h2.events.StreamEnded): ended = True
    s.sendall(c.data_to_send())
    if ended: break
print("grpc-status", headers.get("grpc-status"), "reason", headers.get("x-mesh-reason"), "fast", time.time() - start < 1.5)
"""#

    /// `concurrent.py PORT N AT_ONCE SIZE`: N unary calls of SIZE bytes each on one channel, AT_ONCE in flight at a
    /// time; prints `ok K failed F` and the failures' codes and details.
    static let concurrent = #"""
import sys, grpc
port, n, at_once, size = (int(a) for a in sys.argv[1:5])
opts = [("grpc.max_receive_message_length", 16 << 20), ("grpc.max_send_message_length", 16 << 20)]
ch = grpc.insecure_channel("127.0.0.1:%d" % port, options=opts)
unary = ch.unary_unary("/test.Echo/Unary", request_serializer=lambda x: x, response_deserializer=lambda x: x)
message = bytes(range(256)) * (size // 256)
ok, failures = 0, set()
for _ in range(n // at_once):
    calls = [unary.future(message, timeout=20) for _ in range(at_once)]
    for call in calls:
        try:
            ok += call.result() == message
        except grpc.RpcError as e:
            failures.add("%s %s" % (e.code().name, e.details()))
print("ok", ok, "failed", n - ok, "; ".join(sorted(failures)), flush=True)
"""#

    /// `many.py PORT N`: N unary calls on one channel; prints `ok K failed F` and the failures' codes.
    static let many = #"""
import sys, grpc
port, n = int(sys.argv[1]), int(sys.argv[2])
ch = grpc.insecure_channel("127.0.0.1:%d" % port)
unary = ch.unary_unary("/test.Echo/Unary", request_serializer=lambda x: x, response_deserializer=lambda x: x)
ok, codes = 0, []
for i in range(n):
    try:
        unary(b"x", timeout=10); ok += 1
    except grpc.RpcError as e:
        codes.append(e.code().name)
print("ok", ok, "failed", len(codes), ",".join(sorted(set(codes))), flush=True)
"""#
}
