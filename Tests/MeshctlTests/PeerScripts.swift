/// Peers written with libraries nobody here wrote, run by Debian's Python: a WebSocket echo server and client
/// (python3-websockets 10.4), and a TCP server that speaks first.
enum PeerScripts {
    /// `server`: prints `port N`, echoes every message. `client PORT HOST`: connects to 127.0.0.1:PORT asking for
    /// `ws://HOST/chat`, checks text, binary and 1 MB echoes and the close handshake, printing one line for each.
    static let websocket = #"""
        import asyncio, sys, websockets

        async def echo(ws, path=None):
            async for message in ws:
                await ws.send(message)

        async def serve():
            async with websockets.serve(echo, "127.0.0.1", 0, max_size=None, compression=None) as server:
                print("port", server.sockets[0].getsockname()[1], flush=True)
                await asyncio.Future()

        async def client(port, host):
            async with websockets.connect("ws://%s/chat" % host, host="127.0.0.1", port=port, max_size=None,
                                          compression=None, open_timeout=5) as ws:
                await ws.send("hello")
                assert await ws.recv() == "hello"
                print("text ok", flush=True)
                await ws.send(b"\x00\x01\xfe\xff")
                assert await ws.recv() == b"\x00\x01\xfe\xff"
                print("binary ok", flush=True)
                big = bytes(i % 251 for i in range(1_000_000))
                await ws.send(big)
                assert await ws.recv() == big
                print("1MB ok", flush=True)
                await ws.close()
                print("closed", ws.close_code, flush=True)

        if sys.argv[1] == "server":
            asyncio.run(serve())
        else:
            asyncio.run(asyncio.wait_for(client(int(sys.argv[2]), sys.argv[3]), 20))
        """#

    /// `NAME`: prints `port N`; each connection first gets `220 NAME ready\r\n` (before the client says anything),
    /// then its bytes echoed until it half-closes, then `bye\r\n` and a close.
    static let bannerServer = #"""
        import socket, sys, threading

        def handle(conn, name):
            conn.sendall(b"220 " + name + b" ready\r\n")
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
            conn.sendall(b"bye\r\n")
            conn.close()

        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen(128)
        print("port", server.getsockname()[1], flush=True)
        name = sys.argv[1].encode()
        while True:
            conn, _ = server.accept()
            threading.Thread(target=handle, args=(conn, name), daemon=True).start()
        """#

    /// `PORT COUNT`: COUNT connections to 127.0.0.1:PORT, each: read the banner before sending anything, echo
    /// 300 KB, half-close, read `bye` and the close; prints `ok N <banner>` for each.
    static let bannerClient = #"""
        import socket, sys, threading

        port, count = int(sys.argv[1]), int(sys.argv[2])
        for i in range(count):
            conn = socket.create_connection(("127.0.0.1", port), timeout=5)
            banner = b""
            while not banner.endswith(b"\r\n"):
                banner += conn.recv(100)
            payload = bytes(j % 253 for j in range(300_000))
            # Sent from another thread while this one reads the echo: neither side waits on a full buffer.
            sender = threading.Thread(target=conn.sendall, args=(payload,))
            sender.start()
            echoed = b""
            while len(echoed) < len(payload):
                echoed += conn.recv(65536)
            sender.join()
            conn.shutdown(socket.SHUT_WR)
            rest = b""
            while True:
                data = conn.recv(100)
                if not data:
                    break
                rest += data
            assert echoed == payload and rest == b"bye\r\n", (len(echoed), rest)
            print("ok", i, banner.decode().strip(), flush=True)
        """#
}
