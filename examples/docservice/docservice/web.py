"""A tiny routing layer over http.server, in the style of Flask/FastAPI decorators."""

import json
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Request:
    def __init__(self, method, path, query, body, params):
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.params = params

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default


class App:
    def __init__(self, slowdown=0.0):
        self.routes = []
        # Extra delay per request, as a fraction of the time the request took.
        self.slowdown = slowdown

    def route(self, method, pattern):
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

        def register(func):
            self.routes.append((method, regex, func))
            return func

        return register

    def get(self, pattern):
        return self.route("GET", pattern)

    def post(self, pattern):
        return self.route("POST", pattern)

    def dispatch(self, method, raw_path, body):
        parts = urlsplit(raw_path)
        allowed = False
        for route_method, regex, func in self.routes:
            match = regex.match(parts.path)
            if not match:
                continue
            allowed = True
            if route_method != method:
                continue
            request = Request(method, parts.path, parse_qs(parts.query), body, match.groupdict())
            return func(request)
        if allowed:
            return 405, {"error": "method not allowed"}
        return 404, {"error": "not found", "path": parts.path}


def make_handler(app, before_request=None):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _serve(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            started = time.perf_counter()
            if before_request is not None:
                before_request()
            try:
                status, payload = app.dispatch(method, self.path, body)
            except Exception as exc:  # one bad request must not kill the server
                status, payload = 500, {"error": type(exc).__name__, "detail": str(exc)}
            data = json.dumps(payload).encode()
            if app.slowdown > 0:
                time.sleep(app.slowdown * (time.perf_counter() - started))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

        def log_message(self, format, *args):
            # Access logs would flood stderr under load.
            pass

    return Handler


def serve(app, host, port, before_request=None):
    server = ThreadingHTTPServer((host, port), make_handler(app, before_request))
    server.daemon_threads = True
    return server
