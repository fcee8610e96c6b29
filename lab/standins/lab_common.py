# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared pieces of the lab stand-ins: settings from an env file, a small threaded HTTP server with routes,
Prometheus text metrics, HTTP client calls and a Redis connection.

Standard library only, except Redis (python3-redis in the images, the venv's redis in the tests), which is imported
only where it is used.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import signal
import ssl
import threading
import time
import urllib.error
import urllib.request
from http.client import HTTPException
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = logging.getLogger("engage-lab")


def setup_logging(name: str) -> logging.Logger:
    logging.basicConfig(level=os.environ.get("LAB_LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s " + name + " %(levelname)s %(message)s")
    return logging.getLogger(name)


# ------------------------------------------------------------------------------------------------ settings
def parse_env_file(path: str) -> dict:
    """Read a file in `docker run --env-file` syntax: KEY=VALUE taken literally, '#' comments, a bare KEY copies the
    variable from the environment."""
    values = {}
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value
            elif line.strip() in os.environ:
                values[line.strip()] = os.environ[line.strip()]
    return values


class Settings:
    """Settings from the process environment (what `docker run --env-file` sets), overlaid by an optional env file
    (for runs outside a container)."""

    def __init__(self, env_file: str | None = None, environ: dict | None = None):
        self.values = dict(os.environ if environ is None else environ)
        if env_file:
            self.values.update(parse_env_file(env_file))

    def get(self, key: str, default: str | None = None) -> str | None:
        value = self.values.get(key)
        return default if value is None or value == "" else value

    def require(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise SystemExit("missing setting %s (set it in the .env file)" % key)
        return value

    def int(self, key: str, default: int) -> int:
        return int(self.get(key, str(default)))

    def float(self, key: str, default: float) -> float:
        return float(self.get(key, str(default)))

    def bool(self, key: str, default: bool = False) -> bool:
        return self.get(key, "true" if default else "false").strip().lower() in ("1", "true", "yes", "on")

    def list(self, key: str) -> list:
        return [item.strip() for item in (self.get(key, "") or "").split(",") if item.strip()]


def parse_hostport(text: str, default_port: int) -> tuple:
    text = text.strip()
    if text.startswith("["):
        host, rest = (text[1:].split("]", 1) + [""])[:2]
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, default_port


# ------------------------------------------------------------------------------------------------- metrics
class Metrics:
    """Counters and gauges rendered in the Prometheus text exposition format (version 0.0.4)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._meta = {}
        self._values = {}

    def declare(self, name: str, kind: str, help_text: str) -> None:
        self._meta[name] = (kind, help_text)

    @staticmethod
    def _key(name, labels):
        return name, tuple(sorted((labels or {}).items()))

    def inc(self, name: str, labels: dict | None = None, amount: float = 1) -> None:
        with self._lock:
            key = self._key(name, labels)
            self._values[key] = self._values.get(key, 0) + amount

    def set(self, name: str, value: float, labels: dict | None = None) -> None:
        with self._lock:
            self._values[self._key(name, labels)] = value

    def value(self, name: str, labels: dict | None = None) -> float:
        with self._lock:
            return self._values.get(self._key(name, labels), 0)

    def render(self) -> str:
        lines = []
        with self._lock:
            for name, (kind, help_text) in sorted(self._meta.items()):
                lines.append("# HELP %s %s" % (name, help_text))
                lines.append("# TYPE %s %s" % (name, kind))
                samples = [(k[1], v) for k, v in self._values.items() if k[0] == name]
                if not samples and not any(k[0] == name for k in self._values):
                    samples = [((), 0)]
                for labels, value in sorted(samples):
                    label_text = ",".join('%s="%s"' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"'))
                                          for k, v in labels)
                    lines.append("%s%s %s" % (name, "{%s}" % label_text if label_text else "", _num(value)))
        return "\n".join(lines) + "\n"


def _num(value) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# --------------------------------------------------------------------------------------------- HTTP server
class Request:
    def __init__(self, handler: BaseHTTPRequestHandler, body: bytes, match):
        self.handler = handler
        self.method = handler.command
        self.path, self.query = (handler.path.split("?", 1) + [""])[:2]
        self.headers = handler.headers
        self.body = body
        self.match = match

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError) as exc:
            raise HttpError(400, "request body is not JSON: %s" % exc) from exc


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class Response:
    def __init__(self, status: int = 200, body=b"", content_type: str = "application/json",
                 headers: dict | None = None):
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body, sort_keys=True)
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.content_type = content_type
        self.headers = headers or {}


class App:
    """Routes (method, regex) to handlers returning a Response, a dict/list (JSON) or a string."""

    def __init__(self, name: str):
        self.name = name
        self.routes = []
        self.log = logging.getLogger(name)
        self.inflight = 0
        self._inflight_lock = threading.Lock()

    def route(self, method: str, pattern: str):
        regex = re.compile("^" + pattern + "$")

        def register(func):
            self.routes.append((method, regex, func))
            return func
        return register

    def dispatch(self, handler: BaseHTTPRequestHandler, body: bytes) -> Response:
        path = handler.path.partition("?")[0]
        allowed = False
        for method, regex, func in self.routes:
            match = regex.match(path)
            if not match:
                continue
            allowed = True
            if method != handler.command and not (handler.command == "HEAD" and method == "GET"):
                continue
            try:
                result = func(Request(handler, body, match))
            except HttpError as exc:
                return Response(exc.status, {"error": exc.message}, headers=exc.headers)
            except Exception as exc:  # pylint: disable=broad-except
                self.log.exception("%s %s failed", handler.command, path)
                return Response(500, {"error": "%s: %s" % (type(exc).__name__, exc)})
            if isinstance(result, Response):
                return result
            if isinstance(result, str):
                return Response(200, result, "text/plain; version=0.0.4; charset=utf-8")
            return Response(200, result)
        if allowed:
            return Response(405, {"error": "method %s not allowed on %s" % (handler.command, path)})
        return Response(404, {"error": "no such path: %s" % path})

    def server(self, host: str, port: int, certfile: str | None = None, keyfile: str | None = None):
        app = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "engage-lab-" + app.name
            timeout = 60
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def setup(self):
                super().setup()
                if isinstance(self.connection, ssl.SSLSocket):  # handshake here, not in the accepting thread
                    self.connection.do_handshake()

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with app._inflight_lock:  # pylint: disable=protected-access
                    app.inflight += 1
                try:
                    response = app.dispatch(self, body)
                finally:
                    with app._inflight_lock:  # pylint: disable=protected-access
                        app.inflight -= 1
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                app.log.debug("%s " + format, self.address_string(), *args)

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        if certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
            server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        return server


# --------------------------------------------------------------------------------------------- HTTP client
class HttpResult:
    def __init__(self, status: int, body: bytes, headers):
        self.status = status
        self.body = body
        self.headers = headers

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode("utf-8")).decode("ascii")


def ssl_context(cafile: str | None):
    context = ssl.create_default_context(cafile=cafile or None)
    return context


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 10.0,
         cafile: str | None = None) -> HttpResult:
    """One HTTP(S) request; HTTP error statuses are returned, connection errors raise OSError."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    context = ssl_context(cafile) if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return HttpResult(response.status, response.read(), response.headers)
    except urllib.error.HTTPError as exc:
        return HttpResult(exc.code, exc.read(), exc.headers)
    except urllib.error.URLError as exc:
        raise OSError("%s %s: %s" % (method, url, exc.reason)) from exc
    except HTTPException as exc:  # the peer died mid-answer (IncompleteRead, BadStatusLine, ...)
        raise OSError("%s %s: %s: %s" % (method, url, type(exc).__name__, exc)) from exc


# ------------------------------------------------------------------------------------------------- Redis
def redis_client(settings: Settings):
    """A redis-py client from REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, REDIS_TLS, REDIS_TLS_CA_FILE, REDIS_DB."""
    import redis  # pylint: disable=import-outside-toplevel
    from redis.backoff import NoBackoff  # pylint: disable=import-outside-toplevel
    from redis.retry import Retry  # pylint: disable=import-outside-toplevel
    kwargs = {
        "retry": Retry(NoBackoff(), 0),  # fail fast: health checks must answer within their own timeout
        "host": settings.get("REDIS_HOST", "127.0.0.1"),
        "port": settings.int("REDIS_PORT", 6379),
        "password": settings.get("REDIS_PASSWORD"),
        "db": settings.int("REDIS_DB", 0),
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
        "decode_responses": True,
    }
    if settings.bool("REDIS_TLS"):
        kwargs["ssl"] = True
        kwargs["ssl_ca_certs"] = settings.get("REDIS_TLS_CA_FILE")
    return redis.Redis(**kwargs)


def serve_until_terminated(server, app: App, log, drain_timeout: float) -> None:
    """serve_forever() until SIGTERM/SIGINT, then stop accepting (the port closes, so callers move to another node at
    once), let the requests in progress finish for up to ``drain_timeout`` seconds, and return."""
    def stop(signum, _frame):
        log.info("signal %s: closing the port, draining %d request(s) in progress", signum, app.inflight)
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    server.socket.close()
    deadline = time.monotonic() + drain_timeout
    while app.inflight and time.monotonic() < deadline:
        time.sleep(0.05)
    log.info("stopped; %d request(s) still in progress were abandoned", app.inflight)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
