#!/usr/bin/env python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-ins for vendor TCP endpoints (Stat Server, SIP Server, EXCS/EXAS/EXCP): accept and close, on each port given."""

import selectors
import socket
import sys

sel = selectors.DefaultSelector()
for port in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(128)
    sel.register(s, selectors.EVENT_READ)
while True:
    for key, _events in sel.select():
        conn, _addr = key.fileobj.accept()
        conn.close()
