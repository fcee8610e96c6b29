# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""EXCP stand-in for the load balancer tests: answers recording-metadata POSTs and health GETs.

Usage: excp_standin.py NAME ADDRESS PORT. POST -> 200 {"server": NAME, "bytes": n}; GET/HEAD /health -> 200;
other methods -> 501 (so a test sees whether HAProxy filtered them).
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "excp-standin"
    # Buffered writes: status line, headers and body leave in one segment (flushed after each request), as a real
    # HTTP server sends them; two small writes would meet Nagle + delayed ACK and add ~40 ms per response.
    wbufsize = 65536

    def _reply(self, code, payload):
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - http.server naming
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        self._reply(200, {"server": self.server.name, "bytes": len(data)})

    def do_GET(self):  # noqa: N802
        self._reply(200 if self.path.startswith("/health") else 404, {"server": self.server.name})

    do_HEAD = do_GET

    def do_PUT(self):  # noqa: N802
        self._reply(501, {"server": self.server.name, "error": "PUT reached the backend"})

    do_DELETE = do_PUT

    def log_message(self, *args):
        pass


def main():
    name, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    server = ThreadingHTTPServer((address, port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    server.name = name
    server.serve_forever()


if __name__ == "__main__":
    main()
