/// A raw-frame HTTP/2 client (Debian's python3-hpack for header blocks) for what the proxy's server-role codec
/// (`HTTP2ServerCodec`) does on client connections, run with `/usr/bin/python3`. It writes frames python3-h2 would
/// refuse to send (past the server's stream limit, empty DATA, wrong lengths), and reads every frame the proxy sends.
enum H2ServerScripts {
    /// `port case`: sends the case's frames after the preface and prints what came back, one line per event, then
    /// `closed BOOL` (the proxy closed the connection within 2 s of its last frame). Lines: `settings ID=VALUE ...`
    /// (the proxy's SETTINGS), `status SID CODE`, `ended SID`, `reset SID CODE`, `goaway CODE last ID`, and per case:
    /// - `limit`: 101 GETs at once (the proxy's SETTINGS_MAX_CONCURRENT_STREAMS is 100);
    /// - `empty-data`: a POST's HEADERS, then two empty DATA frames without END_STREAM;
    /// - `ping-flood`: 250 PINGs;
    /// - `length-over`, `length-under`: a POST with content-length 10 and 20 (or 5) bytes of DATA, then a GET on
    ///   stream 3 on the same connection;
    /// - `even-stream`: HEADERS on stream 2;
    /// - `stream-errors`: 250 malformed requests (no `:path`), one stream each.
    static let client = #"""
import socket, sys, time, struct, hpack
port, case = int(sys.argv[1]), sys.argv[2]
\#(H2Scripts.frameReader)
enc, dec = hpack.Encoder(), hpack.Decoder()
def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload
def headers(sid, fields, end=True):
    return frame(1, 0x4 | (0x1 if end else 0), sid, enc.encode(fields))
def get(sid, path="/"):
    return headers(sid, [(":method", "GET"), (":path", path), (":scheme", "http"), (":authority", "web")])
def post(sid, length):
    return headers(sid, [(":method", "POST"), (":path", "/up"), (":scheme", "http"), (":authority", "web"),
                         ("content-length", str(length))], end=False)
s = socket.create_connection(("127.0.0.1", port))
out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0)
out += frame(8, 0, 0, struct.pack(">I", 1 << 24))  # a large connection window for the answers
if case == "limit":
    out += b"".join(get(sid, "/slow") for sid in range(1, 203, 2))
elif case == "empty-data":
    out += post(1, 10) + frame(0, 0, 1) + frame(0, 0, 1)
elif case == "ping-flood":
    out += b"".join(frame(6, 0, 0, struct.pack(">Q", i)) for i in range(250))
elif case == "length-over":
    out += post(1, 10) + frame(0, 1, 1, b"x" * 20) + get(3)
elif case == "length-under":
    out += post(1, 10) + frame(0, 1, 1, b"x" * 5) + get(3)
elif case == "even-stream":
    out += get(2)
elif case == "stream-errors":
    out += b"".join(headers(sid, [(":method", "GET"), (":scheme", "http"), (":authority", "web")])
                    for sid in range(1, 501, 2))
def send(data):
    try: s.sendall(data)
    except OSError: pass  # the proxy closed the connection: what it sent before is still read
send(out)
closed, resets = False, 0
for f in frames(s, 2, extend=True):
    if f[0] == "closed": closed = f[1]; break
    t, flags, sid, p = f
    n = len(p)
    if t == 4 and not flags & 1:
        print("settings", " ".join("%d=%d" % struct.unpack(">HI", p[i:i + 6]) for i in range(0, n, 6)), flush=True)
        send(frame(4, 1, 0))
    elif t == 1:
        status = dict(dec.decode(p)).get(":status")
        if status: print("status", sid, status, flush=True)
        if flags & 1: print("ended", sid, flush=True)
    elif t == 0:
        if flags & 1: print("ended", sid, flush=True)
        if n: send(frame(8, 0, sid, struct.pack(">I", n)))
    elif t == 3:
        code = int.from_bytes(p[0:4], "big")
        # Many streams reset alike are summed up in one line.
        if case == "stream-errors": resets += 1
        else: print("reset", sid, code, flush=True)
    elif t == 7:
        print("goaway", int.from_bytes(p[4:8], "big"), "last", int.from_bytes(p[0:4], "big") & 0x7FFFFFFF, flush=True)
if resets: print("resets", resets, flush=True)
print("closed", closed, flush=True)
"""#
}
