/// Python (Debian's python3-h2, its own header checks off) endpoint and client that send malformed header blocks
/// (RFC 9113 §8.1.1), run with `/usr/bin/python3`.
enum H2MalformedScripts {
    /// An h2c server on a free port (prints `port N`). Answers by the request's path: `/upper` with a field named
    /// `X-Upper`, `/connection` with `connection: close`, `/late-pseudo` with `:status` after a regular field,
    /// `/trailer-pseudo` with a `:status` in its trailers, anything else well formed; every answer carries
    /// `x-seen: N`, the number of requests the server got so far.
    static let endpoint = #"""
import socket, threading, h2.connection, h2.config, h2.events, h2.exceptions
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(16)
print("port", srv.getsockname()[1], flush=True)
seen = [0]
def serve(s):
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, validate_inbound_headers=False,
        validate_outbound_headers=False, normalize_outbound_headers=False))
    c.initiate_connection(); s.sendall(c.data_to_send())
    while True:
        data = s.recv(1 << 16)
        if not data: return
        for e in c.receive_data(data):
            if isinstance(e, h2.events.RequestReceived):
                seen[0] += 1
                path = dict((n.decode() if isinstance(n, bytes) else n, v.decode() if isinstance(v, bytes) else v) for n, v in e.headers)[":path"]
                sid, n = e.stream_id, str(seen[0])
                head = [(":status", "200"), ("x-seen", n)]
                if path == "/upper": head.append(("X-Upper", "1"))
                if path == "/connection": head.append(("connection", "close"))
                if path == "/late-pseudo": head = [("x-seen", n), (":status", "200")]
                try:
                    c.send_headers(sid, head)
                    c.send_data(sid, b"ok\n")
                    c.send_headers(sid, [(":status", "200")] if path == "/trailer-pseudo" else [("x-t", "1")], end_stream=True)
                except h2.exceptions.StreamClosedError:
                    pass  # the proxy reset the stream already (in the same read as its request)
        s.sendall(c.data_to_send())
while True:
    conn, _ = srv.accept(); threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""#

    /// `port case`: on one connection, a request whose head is malformed as `case` says (`upper`: a field named
    /// `X-Upper`; `connection`: `connection: keep-alive`; `te`: `te: gzip`; `late-pseudo`: `:path` after a regular
    /// field; `unknown-pseudo`: `:foo`; `no-scheme`; `empty-path`; `newline`: a value with LF; `trailer-pseudo`: a
    /// POST whose trailers carry `:path`), then a well-formed GET of `/`. Prints `reset CODE` or `status N` for the
    /// first, then `status N` and `x-seen N` for the second.
    static let client = #"""
import socket, sys, h2.connection, h2.events, h2.config
port, case = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, validate_outbound_headers=False,
    normalize_outbound_headers=False, validate_inbound_headers=False))
c.initiate_connection(); s.sendall(c.data_to_send())
base = [(":method", "GET"), (":path", "/bad"), (":scheme", "http"), (":authority", "web")]
extra = {"upper": [("X-Upper", "1")], "connection": [("connection", "keep-alive")], "te": [("te", "gzip")],
         "newline": [("x-split", "a\nb")]}
head = base + extra.get(case, [])
if case == "late-pseudo": head = [(":method", "GET"), (":scheme", "http"), ("x-a", "1"), (":path", "/bad")]
if case == "unknown-pseudo": head = base + [(":foo", "x")]
if case == "no-scheme": head = [h for h in base if h[0] != ":scheme"]
if case == "empty-path": head = [(":path", "") if h[0] == ":path" else h for h in base]
def run(sid):
    while True:
        data = s.recv(65536)
        if not data: print("closed"); sys.exit(1)
        for e in c.receive_data(data):
            if isinstance(e, h2.events.ResponseReceived) and e.stream_id == sid:
                for n, v in e.headers:
                    n, v = n.decode(), v.decode()
                    if n in (":status", "x-seen"): print(n.strip(":"), v)
            if isinstance(e, h2.events.DataReceived): c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
            if isinstance(e, h2.events.StreamReset) and e.stream_id == sid:
                print("reset", int(e.error_code)); s.sendall(c.data_to_send()); return
            if isinstance(e, h2.events.StreamEnded) and e.stream_id == sid: s.sendall(c.data_to_send()); return
            if isinstance(e, h2.events.ConnectionTerminated): print("goaway", int(e.error_code)); sys.exit(1)
        s.sendall(c.data_to_send())
if case == "trailer-pseudo":
    c.send_headers(1, [(":method", "POST"), (":path", "/bad"), (":scheme", "http"), (":authority", "web")])
    c.send_data(1, b"x" * 10)
    c.send_headers(1, [(":path", "/x")], end_stream=True)
else:
    c.send_headers(1, head, end_stream=True)
s.sendall(c.data_to_send()); run(1)
c.send_headers(3, base[:1] + [(":path", "/")] + base[2:], end_stream=True); s.sendall(c.data_to_send()); run(3)
"""#
}
