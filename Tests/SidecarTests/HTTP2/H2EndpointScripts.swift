/// python3-h2 endpoints (server role) for frame-level cases of the proxy's own client codec (`HTTP2UpstreamCodec`),
/// run with `/usr/bin/python3`.
enum H2EndpointScripts {
    /// `mode`: an h2c endpoint that prints `port N`, then per connection `conn N`, and answers each request
    /// `200` with the body `got <bytes of its body>`. Its first connection behaves as `mode` says:
    /// - `one-stream`: SETTINGS_MAX_CONCURRENT_STREAMS 1, each answer 100 ms late; prints `open N` at each new
    ///   stream (N: streams open at once) and `error ...` if a stream beyond the limit came;
    /// - `window-zero`: SETTINGS_INITIAL_WINDOW_SIZE 0; a POST's stream window is opened 300 ms after its HEADERS
    ///   (then as its DATA arrives); prints `early N`: body bytes that came before, and `error ...` on a flow-control
    ///   violation;
    /// - `malformed-CASE`: the second request on it is answered by one malformed frame (`data-on-stream-0`,
    ///   `oversized`, `bad-hpack`, `zero-window-increment`), and the endpoint prints the proxy's answer:
    ///   `goaway CODE closed True`;
    /// - `settings-ping`: at its first request, a PING and new SETTINGS (INITIAL_WINDOW_SIZE 1000, MAX_FRAME_SIZE
    ///   20000); prints `ping acked DATA` and `settings acked N` (N: SETTINGS acknowledged so far, the first being
    ///   the preface's) when the proxy answers, `error ...` on a flow-control
    ///   violation;
    /// - `goaway`: once its first two requests are open, GOAWAY with the first one's ID as the last, then the first
    ///   is answered (100 ms later); the second never is. Prints `goaway sent`.
    static let endpoint = #"""
import socket, sys, threading, time, h2.connection, h2.config, h2.events, h2.settings, h2.exceptions
mode = sys.argv[1]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(16)
print("port", srv.getsockname()[1], flush=True)
conns = [0]
def frame(ftype, flags, sid, payload):
    return len(payload).to_bytes(3, "big") + bytes([ftype, flags]) + sid.to_bytes(4, "big") + payload
def serve(s, first):
    m = mode if first else "plain"
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, validate_inbound_headers=False))
    if m == "one-stream":
        c.local_settings = h2.settings.Settings(client=False, initial_values={h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1})
    if m == "window-zero":
        c.local_settings = h2.settings.Settings(client=False, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    c.initiate_connection(); s.sendall(c.data_to_send())
    s.settimeout(0.02)
    bodies, due, opened, requests, early, goaway, acks = {}, [], set(), [], 0, False, 0
    while True:
        try:
            data = s.recv(1 << 16)
            if not data: return
        except socket.timeout:
            data = None
        except OSError:
            return
        try:
            events = c.receive_data(data) if data else []
        except h2.exceptions.H2Error as e:
            print("error", repr(e), flush=True); return
        for e in events:
            if isinstance(e, h2.events.RequestReceived):
                bodies[e.stream_id] = 0; opened.add(e.stream_id); requests.append(e.stream_id)
                if m == "one-stream":
                    print("open", len(opened), flush=True)
                if m == "window-zero":
                    due.append((time.time() + 0.3, "open", e.stream_id))
                if m == "settings-ping" and len(requests) == 1:
                    c.ping(b"meshping")
                    c.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1000, h2.settings.SettingCodes.MAX_FRAME_SIZE: 20000})
                if m.startswith("malformed-") and len(requests) == 2:
                    case = m[len("malformed-"):]
                    raw = {"data-on-stream-0": frame(0, 0, 0, b"x"),
                           "oversized": frame(0, 0, e.stream_id, b"x" * 20000),
                           "bad-hpack": frame(1, 5, e.stream_id, b"\xff\xff\xff\xff"),
                           "zero-window-increment": frame(8, 0, 0, b"\0\0\0\0")}[case]
                    s.sendall(c.data_to_send() + raw)
                    s.settimeout(3)
                    code, closed = None, False
                    try:
                        while True:
                            d = s.recv(1 << 16)
                            if not d: closed = True; break
                            i = d.find(b"\x00\x00\x08\x07")
                            if i >= 0 and code is None: code = int.from_bytes(d[i + 13:i + 17], "big")
                    except ConnectionResetError:
                        closed = True  # closed with the rest of the oversized frame unread: a reset, not a FIN
                    except OSError:
                        pass
                    print("goaway", code, "closed", closed, flush=True); return
                if m == "goaway" and len(requests) == 2 and not goaway:
                    goaway = True
                    s.sendall(c.data_to_send() + frame(7, 0, 0, requests[0].to_bytes(4, "big") + b"\0\0\0\0"))
                    print("goaway sent", flush=True)
                    due.append((time.time() + 0.1, "answer", requests[0]))
            elif isinstance(e, h2.events.DataReceived):
                if m == "window-zero" and not any(k == "opened" and sid == e.stream_id for _, k, sid in due):
                    early += len(e.data)
                bodies[e.stream_id] = bodies.get(e.stream_id, 0) + len(e.data)
                if e.flow_controlled_length:
                    if m == "window-zero":
                        c.increment_flow_control_window(e.flow_controlled_length)
                        try:
                            c.increment_flow_control_window(e.flow_controlled_length, stream_id=e.stream_id)
                        except h2.exceptions.H2Error:
                            pass
                    else:
                        c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
            elif isinstance(e, h2.events.StreamEnded):
                if m == "window-zero":
                    print("early", early, flush=True)
                if m == "goaway":
                    pass
                elif m == "one-stream":
                    due.append((time.time() + 0.1, "answer", e.stream_id))
                else:
                    due.append((0, "answer", e.stream_id))
            elif isinstance(e, h2.events.PingAckReceived):
                print("ping acked", e.ping_data.decode(), flush=True)
            elif isinstance(e, h2.events.SettingsAcknowledged) and m == "settings-ping":
                acks += 1
                print("settings acked", acks, flush=True)
            elif isinstance(e, h2.events.StreamReset):
                opened.discard(e.stream_id)
        now = time.time()
        for item in sorted(due):
            when, kind, sid = item
            if when > now or kind == "opened": continue
            due.remove(item)
            if kind == "open":
                due.append((0, "opened", sid))
                if sid in c.streams and not c.streams[sid].closed:
                    c.increment_flow_control_window(1 << 20, stream_id=sid)
            elif kind == "answer":
                body = ("got %d" % bodies.get(sid, 0)).encode()
                try:
                    c.send_headers(sid, [(":status", "200"), ("content-length", str(len(body)))])
                    c.send_data(sid, body, end_stream=True)
                except h2.exceptions.H2Error as err:
                    print("error", repr(err), flush=True)
                opened.discard(sid)
        out = c.data_to_send()
        if out: s.sendall(out)
while True:
    conn, _ = srv.accept(); conns[0] += 1
    print("conn", conns[0], flush=True)
    threading.Thread(target=serve, args=(conn, conns[0] == 1), daemon=True).start()
"""#
}
