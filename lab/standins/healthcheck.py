# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker HEALTHCHECK of the lab images: exit 0 when the stand-in in this container answers, else 1.

EXEC services: ``GET http://127.0.0.1:<EXEC_LISTEN_PORT>/health`` is 200. GC stand-in: ``GET /health`` over HTTPS on
GC_LISTEN_PORT (certificate not checked: it is the container's own). Engage TCP stand-in: the greeting line arrives.
"""

from __future__ import annotations

import os
import socket
import ssl
import sys
import urllib.request


def main() -> int:
    env = os.environ
    try:
        if env.get("EXEC_SERVICE"):
            url = "http://127.0.0.1:%s/health" % env.get("EXEC_LISTEN_PORT", "3640")
            with urllib.request.urlopen(url, timeout=3) as response:
                return 0 if response.status == 200 else 1
        if env.get("GC_LISTEN_PORT"):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            scheme = "https" if env.get("GC_TLS_CERT_FILE") else "http"
            url = "%s://127.0.0.1:%s/health" % (scheme, env["GC_LISTEN_PORT"])
            with urllib.request.urlopen(url, timeout=3, context=context if scheme == "https" else None) as response:
                return 0 if response.status == 200 else 1
        if env.get("ENGAGE_TCP_LISTENERS") or env.get("ENGAGE_TCP_KIND"):
            ports = [int(item.split(":")[1]) for item in env.get("ENGAGE_TCP_LISTENERS", "").split(",") if item]
            ports = ports or [int(env.get("ENGAGE_TCP_PORT") or (2060 if env["ENGAGE_TCP_KIND"] == "statserver"
                                                                 else 8000))]
            for port in ports:
                with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
                    if not sock.makefile("rb").readline().strip():
                        return 1
            return 0
    except (OSError, ValueError) as exc:
        print("unhealthy: %s" % exc, file=sys.stderr)
        return 1
    print("nothing to check: no EXEC_SERVICE, GC_LISTEN_PORT or ENGAGE_TCP_KIND", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
