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
}
