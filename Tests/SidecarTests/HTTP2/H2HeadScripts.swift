/// Python (Debian's python3-h2) endpoint and client for what happens to fields on an HTTP/2-to-HTTP/2 stream,
/// run with `/usr/bin/python3`.
enum H2HeadScripts {
    /// An h2c server on a free port (prints `port N`): answers every request with its fields as it received them
    /// (`name: value` lines, then `body N` and `trailer name: value` lines for the request's body and trailers),
    /// with fields `x-up: yes` and two `set-cookie`, and the trailer `x-trailer: t1`.
    static let echoServer = #"""
import socket, sys, threading, h2.connection, h2.config, h2.events
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(16)
print("port", srv.getsockname()[1], flush=True)
def text(v): return v.decode() if isinstance(v, bytes) else v
def serve(s):
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, validate_inbound_headers=False))
    c.initiate_connection(); s.sendall(c.data_to_send())
    heads, bodies, trailers = {}, {}, {}
    while True:
        data = s.recv(1 << 16)
        if not data: return
        for e in c.receive_data(data):
            if isinstance(e, h2.events.RequestReceived):
                heads[e.stream_id] = [(text(n), text(v)) for n, v in e.headers]; bodies[e.stream_id] = 0
            elif isinstance(e, h2.events.DataReceived):
                bodies[e.stream_id] += len(e.data); c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
            elif isinstance(e, h2.events.TrailersReceived):
                trailers[e.stream_id] = [(text(n), text(v)) for n, v in e.headers]
            elif isinstance(e, h2.events.StreamEnded):
                sid = e.stream_id
                lines = ["%s: %s" % f for f in heads[sid]] + ["body %d" % bodies[sid]]
                lines += ["trailer %s: %s" % f for f in trailers.get(sid, [])]
                out = ("\n".join(lines) + "\n").encode()
                c.send_headers(sid, [(":status", "200"), ("content-type", "text/plain"), ("x-up", "yes"),
                                     ("set-cookie", "a=1"), ("set-cookie", "b=2")])
                c.send_data(sid, out)
                c.send_headers(sid, [("x-trailer", "t1")], end_stream=True)
        s.sendall(c.data_to_send())
while True:
    conn, _ = srv.accept(); threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""#

    /// `port path [name:value ...]`: one GET (or, with a field `body:N`, a POST of N bytes (a multiple of 10,000, under 64 KiB) without content-length
    /// and with the trailer `x-req-trailer: r1`) on an h2c connection; prints `status N`, `field name: value` for
    /// the response's fields, the body as is, and `trailer name: value` for its trailers.
    static let client = #"""
import socket, sys, h2.connection, h2.events, h2.config
port, path = int(sys.argv[1]), sys.argv[2]
fields = [tuple(a.split(":", 1)) for a in sys.argv[3:]]
size = next((int(v) for n, v in fields if n == "body"), None)
fields = [(n, v) for n, v in fields if n != "body"]
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
c.initiate_connection(); s.sendall(c.data_to_send())
sid = c.get_next_available_stream_id()
method = "GET" if size is None else "POST"
c.send_headers(sid, [(":method", method), (":path", path), (":scheme", "http"), (":authority", "web")] + fields,
               end_stream=size is None)
if size is not None:
    for _ in range(size // 10000): c.send_data(sid, b"x" * 10000)
    c.send_headers(sid, [("x-req-trailer", "r1")], end_stream=True)
s.sendall(c.data_to_send())
body, ended = b"", False
while not ended:
    data = s.recv(65536)
    if not data: print("closed"); sys.exit(1)
    for e in c.receive_data(data):
        if isinstance(e, h2.events.ResponseReceived):
            for n, v in e.headers:
                n, v = n.decode(), v.decode()
                print("status", v) if n == ":status" else print("field %s: %s" % (n, v))
        if isinstance(e, h2.events.DataReceived):
            body += e.data; c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
        if isinstance(e, h2.events.TrailersReceived):
            for n, v in e.headers: print("trailer %s: %s" % (n.decode(), v.decode()))
        if isinstance(e, h2.events.StreamEnded) and e.stream_id == sid: ended = True
        if isinstance(e, (h2.events.StreamReset, h2.events.ConnectionTerminated)): print("reset", e); sys.exit(1)
    s.sendall(c.data_to_send())
sys.stdout.write(body.decode())
"""#
}
