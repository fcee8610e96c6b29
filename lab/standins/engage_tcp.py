# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Engage TCP endpoint stand-in (lab only): a Stat Server (TCP 2060) or a SIP Server (TCP 8000).

It accepts TCP connections, greets each with one line ``<KIND> <NAME> ready``, answers every line it receives with
``OK <line>`` and keeps the connection open until the peer closes it. That is all the EXAS/EXCP stand-ins need: a
peer that is reachable, answers, and whose loss they can notice.

Settings (environment or ``--env-file``; flags win): ENGAGE_TCP_KIND (``statserver`` or ``sipserver``),
ENGAGE_TCP_NAME (``<kind>-1``), ENGAGE_TCP_HOST (0.0.0.0), ENGAGE_TCP_PORT (2060 for statserver, 8000 for sipserver).
Several endpoints in one process: ENGAGE_TCP_LISTENERS, a comma list of ``kind:port[:name]``, for example
``statserver:2060:stat-primary,statserver:2061:stat-backup,sipserver:8000:sip-1`` (then KIND/NAME/PORT are ignored).
"""

from __future__ import annotations

import argparse
import signal
import socketserver
import threading

from lab_common import Settings, setup_logging

DEFAULT_PORTS = {"statserver": 2060, "sipserver": 8000}


class LineServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, kind, name, log):
        self.kind, self.name, self.log = kind, name, log
        self.connections = 0
        self.lock = threading.Lock()
        super().__init__(address, LineHandler)


class LineHandler(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        with server.lock:
            server.connections += 1
        server.log.info("connection from %s:%s", *self.client_address[:2])
        try:
            self.wfile.write(("%s %s ready\r\n" % (server.kind.upper(), server.name)).encode("ascii"))
            for raw in self.rfile:
                line = raw.decode("utf-8", "replace").strip()
                if line:
                    self.wfile.write(("OK %s\r\n" % line).encode("utf-8"))
        except OSError:
            pass
        finally:
            with server.lock:
                server.connections -= 1
            server.log.info("closed %s:%s", *self.client_address[:2])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--env-file")
    parser.add_argument("--kind", choices=sorted(DEFAULT_PORTS))
    parser.add_argument("--name")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    settings = Settings(args.env_file)
    host = args.host or settings.get("ENGAGE_TCP_HOST", "0.0.0.0")
    listeners = []
    for item in settings.list("ENGAGE_TCP_LISTENERS") if not args.kind else []:
        parts = item.split(":")
        if len(parts) not in (2, 3) or parts[0] not in DEFAULT_PORTS or not parts[1].isdigit():
            raise SystemExit("ENGAGE_TCP_LISTENERS item %r is not kind:port[:name] (kind: %s)"
                             % (item, ", ".join(sorted(DEFAULT_PORTS))))
        listeners.append((parts[0], int(parts[1]), parts[2] if len(parts) == 3 else "%s-%s" % (parts[0], parts[1])))
    if not listeners:
        kind = args.kind or settings.get("ENGAGE_TCP_KIND", "statserver")
        if kind not in DEFAULT_PORTS:
            raise SystemExit("ENGAGE_TCP_KIND must be one of %s" % ", ".join(sorted(DEFAULT_PORTS)))
        listeners.append((kind, args.port or settings.int("ENGAGE_TCP_PORT", DEFAULT_PORTS[kind]),
                          args.name or settings.get("ENGAGE_TCP_NAME", kind + "-1")))
    log = setup_logging("engage-tcp")
    servers = []
    for kind, port, name in listeners:
        servers.append(LineServer((host, port), kind, name, log))
        log.info("%s %s listening on %s:%s", kind, name, host, port)
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(signum, _frame):  # as PID 1 of a container, SIGTERM would otherwise be ignored
        log.info("signal %s: stopping", signum)
        threading.Thread(target=servers[0].shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
