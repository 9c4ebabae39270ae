/// Python scripts (Debian's python3-h2) for uploads through the proxy, run with `/usr/bin/python3`.
enum H2UploadScripts {
    /// An endpoint that accepts connections in the kernel only (listens, never accepts, never reads): what it is
    /// sent fills the socket buffers and stops. Prints `port N`.
    static let deafServer = #"""
import socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(16)
print("port", srv.getsockname()[1], flush=True)
time.sleep(120)
"""#

    /// `port size`: POSTs a body of `size` bytes on one stream, sending whatever the proxy's flow-control windows
    /// allow for 3 s; prints `sent N` (the bytes the windows let through).
    static let fastUploader = #"""
import socket, sys, time, h2.connection, h2.config
port, size = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(0.2)
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
c.initiate_connection(); s.sendall(c.data_to_send())
c.send_headers(1, [(":method", "POST"), (":path", "/up"), (":scheme", "http"), (":authority", "t"),
                   ("content-length", str(size))])
s.sendall(c.data_to_send())
sent, end = 0, time.time() + 3
while time.time() < end and sent < size:
    n = min(c.local_flow_control_window(1), c.max_outbound_frame_size, size - sent)
    if n > 0:
        c.send_data(1, b"x" * n); sent += n; s.sendall(c.data_to_send())
        continue
    try: data = s.recv(65536)
    except socket.timeout: continue
    if not data: break
    c.receive_data(data); s.sendall(c.data_to_send())
print("sent", sent, flush=True)
"""#
}
