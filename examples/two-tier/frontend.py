# The two-tier example's frontend: a stock-library HTTP server that calls the backend by name. Nothing in it knows
# about the mesh: urllib reads http_proxy, which the operator points at this replica's sidecar.
import http.server, os, urllib.error, urllib.request

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            with urllib.request.urlopen("http://backend/", timeout=5) as answer:
                body, code = b"frontend -> " + answer.read(), 200
        except urllib.error.HTTPError as error:
            body, code = f"frontend -> backend failed: {error.code}\n".encode(), 502
        except OSError as error:
            body, code = f"frontend -> backend failed: {error}\n".encode(), 502
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
