# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os
import socket

from ansible_collections.engage_exec.recording.plugins.module_utils import _listeners


def test_a_listening_socket_is_found_with_its_process():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        report = _listeners.scan([port])
    me = "%s[%d]" % (open("/proc/self/comm", encoding="utf-8").read().strip(), os.getpid())
    assert report["ports"] == {str(port): [me]}
    assert me.split("[")[0] in report["running"]


def test_a_bound_but_not_listening_socket_is_not_a_listener():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        assert _listeners.scan([port])["ports"] == {}


def test_proc_table_parsing(tmp_path):
    table = tmp_path / "tcp"
    table.write_text(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1\n"
        "   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 5678 1\n")
    assert _listeners.listening_inodes({80, 8080}, tables=(str(table), str(tmp_path / "missing"))) == {"1234": 80}
