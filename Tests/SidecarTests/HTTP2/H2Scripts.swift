/// Python clients (Debian's python3-h2) for frame-level cases, run with `/usr/bin/python3`.
enum H2Scripts {
    /// `port count [path]`: `count` GETs one after another on ONE connection; prints each response body's first
    /// line, then `streams N`.
    static let sequentialRequests = #"""
import socket, sys, h2.connection, h2.events, h2.config
port, count = int(sys.argv[1]), int(sys.argv[2])
path = sys.argv[3] if len(sys.argv) > 3 else "/"
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
c.initiate_connection(); s.sendall(c.data_to_send())
done = 0
for i in range(count):
    sid = c.get_next_available_stream_id()
    c.send_headers(sid, [(":method", "GET"), (":path", path), (":scheme", "http"), (":authority", "web")], end_stream=True)
    s.sendall(c.data_to_send())
    body, ended = b"", False
    while not ended:
        data = s.recv(65536)
        if not data: print("closed"); sys.exit(1)
        for e in c.receive_data(data):
            if isinstance(e, h2.events.DataReceived):
                body += e.data; c.acknowledge_received_data(len(e.data), e.stream_id)
            if isinstance(e, h2.events.StreamEnded) and e.stream_id == sid: ended = True
            if isinstance(e, (h2.events.StreamReset, h2.events.ConnectionTerminated)): print("reset", e); sys.exit(1)
        s.sendall(c.data_to_send())
    print(body.decode().splitlines()[0] if body else "")
    done += 1
print("streams", done)
"""#

    /// `port`: a GET, then the client closes its side of the connection (shutdown SHUT_WR), twice: once after the
    /// answer, once with the stream still in flight. Prints per case the answer's status, and whether the proxy then
    /// closed the connection within 3 s: `after 200 closed True`, `inflight 200 closed True`.
    static let halfClose = #"""
import socket, sys, time, h2.connection, h2.events, h2.config
port = int(sys.argv[1])
for case in ("after", "inflight"):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(3)
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    c.initiate_connection()
    c.send_headers(1, [(":method", "GET"), (":path", "/"), (":scheme", "http"), (":authority", "web")], end_stream=True)
    s.sendall(c.data_to_send())
    if case == "inflight": s.shutdown(socket.SHUT_WR)
    status, ended, closed = None, False, False
    try:
        while True:
            data = s.recv(65536)
            if not data: closed = True; break
            for e in c.receive_data(data):
                if isinstance(e, h2.events.ResponseReceived): status = dict(e.headers).get(b":status", b"").decode()
                if isinstance(e, h2.events.StreamEnded): ended = True
            if case == "after" and ended: s.shutdown(socket.SHUT_WR); ended = False
    except socket.timeout:
        pass
    print(case, status, "closed", closed, flush=True)
    s.close()
"""#

    /// `port case`: a malformed frame (`oversized`, `data-on-stream-0`, `bad-hpack`) or a rapid-reset flood
    /// (`rapid-reset`: 1000 streams each reset at once); prints `goaway CODE closed BOOL` (and `resets-sent N`).
    static let frames = #"""
import socket, sys, time, struct
import h2.connection, h2.config, h2.events, h2.errors
port, case = int(sys.argv[1]), sys.argv[2]
def frame(ftype, flags, sid, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload
def goaway_code(s, limit=5.0):
    """Reads until GOAWAY (returns its code) or close; None when neither came."""
    buf, end = b"", time.time() + limit
    s.settimeout(0.5)
    while time.time() < end:
        try: d = s.recv(65536)
        except socket.timeout: continue
        except ConnectionResetError: break
        if not d: break
        buf += d
    i, code = 0, None
    while i + 9 <= len(buf):
        n = int.from_bytes(buf[i:i+3], "big"); t = buf[i+3]
        if t == 7: code = int.from_bytes(buf[i+13:i+17], "big")
        i += 9 + n
    closed = time.time() < end
    return code, closed
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b""))
if case == "oversized":
    # A DATA frame longer than SETTINGS_MAX_FRAME_SIZE (16384): FRAME_SIZE_ERROR (6).
    s.sendall(frame(0, 0, 1, b"x" * 20000))
elif case == "data-on-stream-0":
    # DATA on the connection stream: PROTOCOL_ERROR (1).
    s.sendall(frame(0, 0, 0, b"hello"))
elif case == "bad-hpack":
    # A header block that is not HPACK: COMPRESSION_ERROR (9).
    s.sendall(frame(1, 0x5, 1, b"\xff\xff\xff\xff\xff\xff"))
elif case == "rapid-reset":
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    c.initiate_connection(); s.sendall(c.data_to_send()[24:])
    sent = 0
    try:
        for i in range(1000):
            sid = c.get_next_available_stream_id()
            c.send_headers(sid, [(":method", "GET"), (":path", "/"), (":scheme", "http"), (":authority", "t")], end_stream=True)
            c.reset_stream(sid)
            s.sendall(c.data_to_send()); sent += 1
    except (BrokenPipeError, ConnectionResetError, h2.exceptions.ProtocolError):
        pass
    print("resets-sent", sent)
code, closed = goaway_code(s)
print("goaway", code, "closed", closed, flush=True)
"""#

    /// `port path`: GETs `path`, then reads nothing and returns no window for 2 s (prints `stalled N` with the bytes
    /// that came meanwhile), then reads on to the end; prints `total N`.
    static let slowReader = #"""
import socket, sys, time, h2.connection, h2.events, h2.config
port, path = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
c.initiate_connection(); s.sendall(c.data_to_send())
c.send_headers(1, [(":method", "GET"), (":path", path), (":scheme", "http"), (":authority", "t")], end_stream=True)
s.sendall(c.data_to_send())
got, end, ended = 0, time.time() + 2, False
s.settimeout(0.2)
while time.time() < end:
    try: data = s.recv(65536)
    except socket.timeout: continue
    for e in c.receive_data(data):
        if isinstance(e, h2.events.DataReceived): got += len(e.data)
print("stalled", got, flush=True)
time.sleep(2)
s.settimeout(10)
c.acknowledge_received_data(got, 1) if got else None
c.increment_flow_control_window(1 << 30); c.increment_flow_control_window(1 << 30, stream_id=1)
s.sendall(c.data_to_send())
while not ended:
    data = s.recv(1 << 20)
    if not data: break
    for e in c.receive_data(data):
        if isinstance(e, h2.events.DataReceived):
            got += len(e.data); c.acknowledge_received_data(len(e.data), 1)
        if isinstance(e, h2.events.StreamEnded): ended = True
    s.sendall(c.data_to_send())
print("total", got, "ended", ended, flush=True)
"""#

    /// A Python function for scripts that read frames by hand: `frames(s, seconds, extend)` yields each frame
    /// (type, flags, stream, payload) as it comes, then `("closed", BOOL)`: whether the peer closed the connection
    /// within `seconds` (counted from its last frame when `extend`).
    static let frameReader = #"""
def frames(s, seconds, extend=False):
    buf, deadline = b"", time.time() + seconds
    s.settimeout(0.2)
    while time.time() < deadline:
        try: d = s.recv(65536)
        except socket.timeout: continue
        except ConnectionResetError: d = b""
        if not d: yield ("closed", True); return
        buf += d
        while len(buf) >= 9:
            n = int.from_bytes(buf[0:3], "big")
            if len(buf) < 9 + n: break
            t, flags, sid = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
            p, buf = buf[9:9 + n], buf[9 + n:]
            if extend: deadline = time.time() + seconds
            yield (t, flags, sid, p)
    yield ("closed", False)
"""#

    /// `port path`: one GET on a connection, then prints `sent` and reads frames by hand (python3-h2 refuses frames
    /// after a GOAWAY, which is exactly what a graceful drain sends): each `goaway CODE last ID`, `ended BODY` when
    /// the stream ends, `reset` on RST_STREAM, and finally `closed BOOL`. PINGs are acknowledged, as clients do.
    static let drainWatcher = #"""
import socket, sys, time, hpack, h2.connection, h2.config
port, path = int(sys.argv[1]), sys.argv[2]
\#(frameReader)
s = socket.create_connection(("127.0.0.1", port))
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
c.initiate_connection()
c.send_headers(1, [(":method", "GET"), (":path", path), (":scheme", "http"), (":authority", "web")], end_stream=True)
s.sendall(c.data_to_send())
print("sent", flush=True)
decoder, body, closed = hpack.Decoder(), b"", False
for f in frames(s, 20):
    if f[0] == "closed": closed = f[1]; break
    t, flags, sid, p = f
    if t == 4 and not flags & 1: s.sendall(b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")
    elif t == 6 and not flags & 1: s.sendall(b"\x00\x00\x08\x06\x01\x00\x00\x00\x00" + p)
    elif t == 7: print("goaway", int.from_bytes(p[4:8], "big"), "last", int.from_bytes(p[0:4], "big") & 0x7FFFFFFF, flush=True)
    elif t == 3 and sid == 1: print("reset", int.from_bytes(p[0:4], "big"), flush=True)
    elif t == 1 and sid == 1:
        print("status", dict(decoder.decode(p)).get(":status"), flush=True)
        if flags & 1: print("ended", flush=True)
    elif t == 0 and sid == 1:
        body += p
        if flags & 1: print("ended", body.decode().strip(), flush=True)
print("closed", closed, flush=True)
"""#

    /// `size`: an h2c server (python3-h2) on a free port (prints `port N`) answering every request with `size`
    /// bytes, sent only as its peer's flow-control windows allow; prints `sent N` (bytes so far) every 100 ms.
    static let bigServer = #"""
import socket, sys, threading, time, h2.connection, h2.config, h2.events
size = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(16)
print("port", srv.getsockname()[1], flush=True)
sent = [0]
def report():
    while True:
        time.sleep(0.1); print("sent", sent[0], flush=True)
threading.Thread(target=report, daemon=True).start()
def serve(s):
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    c.initiate_connection(); s.sendall(c.data_to_send())
    left = {}
    while True:
        data = s.recv(1 << 16)
        if not data: return
        for e in c.receive_data(data):
            if isinstance(e, h2.events.RequestReceived):
                c.send_headers(e.stream_id, [(":status", "200"), ("content-type", "application/octet-stream")])
                left[e.stream_id] = size
            elif isinstance(e, h2.events.StreamReset):
                left.pop(e.stream_id, None)
        for sid in list(left):
            while left[sid] > 0:
                n = min(c.local_flow_control_window(sid), c.max_outbound_frame_size, left[sid])
                if n <= 0: break
                c.send_data(sid, b"x" * n, end_stream=(n == left[sid])); left[sid] -= n; sent[0] += n
            if left[sid] == 0: del left[sid]
        s.sendall(c.data_to_send())
while True:
    conn, _ = srv.accept(); threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""#
}
