# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import json
import socket
import struct
import threading
import time

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.engage_exec.recording.plugins.module_utils import _timesync
from ansible_collections.engage_exec.recording.plugins.modules import time_sync_check


def _warnings(out):
    """Warning texts (core >= 2.19 returns them as dicts with a msg)."""
    return " ".join(w.get("msg", str(w)) if isinstance(w, dict) else w for w in out.get("warnings", []))


def _run(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            time_sync_check.main()
    return json.loads(capsys.readouterr().out)


class _Ntp(threading.Thread):
    """A loopback SNTP responder whose clock is ``skew`` seconds ahead."""

    def __init__(self, skew):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.skew = skew

    def run(self):
        try:
            data, addr = self.sock.recvfrom(512)
        except OSError:
            return
        now = _timesync.to_ntp(time.time() + self.skew)
        self.sock.sendto(struct.pack("!BBbbII4sQQQQ", 0x24, 2, 6, -20, 0, 0, b"\x7f\x00\x00\x01", now,
                                     struct.unpack("!Q", data[40:48])[0], now, now), addr)


def test_sntp_method_good(capsys):
    srv = _Ntp(0.0)
    srv.start()
    out = _run(capsys, {"method": "sntp", "ntp_server": "127.0.0.1", "ntp_port": srv.port})
    assert not out.get("failed"), out
    assert out["method"] == "sntp" and out["synchronized"] is True and abs(out["offset"]) < 0.1
    assert out["changed"] is False and out["problems"] == []


def test_sntp_method_offset_too_big(capsys):
    srv = _Ntp(-4.0)
    srv.start()
    out = _run(capsys, {"method": "sntp", "ntp_server": "127.0.0.1", "ntp_port": srv.port, "max_offset": 1.0})
    assert out["failed"] is True and "exceeds max_offset 1.000 s" in out["msg"]


def test_sntp_needs_server(capsys):
    out = _run(capsys, {"method": "sntp"})
    assert out["failed"] is True and "ntp_server" in out["msg"]


def test_nothing_local_and_no_server(capsys, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(time_sync_check.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: None)
    out = _run(capsys, {})
    assert out["failed"] is True and "No time service found" in out["msg"]
    assert out["tried"] == ["chrony: chronyc not installed", "timesyncd: timedatectl not installed",
                            "ntpd: ntpq not installed"]


def test_timesyncd_read_through_timedatectl(capsys, monkeypatch):
    """systemd does not run here: feed timedatectl's documented output through run_command."""
    outputs = {
        "show-timesync": "ServerName=ntp1.example.com\nServerAddress=192.0.2.10\n"
                         "NTPMessage={ Leap=0, Version=4, Mode=4, Stratum=2 }\n",
        "show": "NTPSynchronized=yes\n",
    }
    monkeypatch.setattr(time_sync_check.AnsibleModule, "get_bin_path",
                        lambda self, name, *a, **k: "/usr/bin/timedatectl" if name == "timedatectl" else None)
    monkeypatch.setattr(time_sync_check.AnsibleModule, "run_command",
                        lambda self, cmd, **k: (0, outputs[cmd[-1]], ""))
    monkeypatch.setattr(_timesync, "file_mtime", lambda path: time.time() - 3 * 86400)
    out = _run(capsys, {})
    assert out["failed"] is True and out["method"] == "timesyncd"
    assert "more than max_sync_age" in out["msg"] and "3 days" in out["msg"]
    out = _run(capsys, {"max_sync_age": 4 * 86400})
    assert not out.get("failed") and out["source"] == "ntp1.example.com" and out["stratum"] == 2
    assert "does not report the clock offset" in _warnings(out)


def test_chrony_rule_broken_fails_with_every_problem(capsys, tmp_path, monkeypatch):
    """chronyc found in PATH; a broken rule fails the module (fail_on_error) with the status beside the message."""
    chronyc = tmp_path / "chronyc"
    tracking = ("7F000001,127.0.0.1,9,%.9f,-0.000000985,0.000000143,0.000000482,-0.037,0.005,0.106,0.000006511,"
                "0.000000519,0.3,Normal" % (time.time() - 7200))
    chronyc.write_text('#!/bin/sh\ncase "$*" in *tracking*) echo "%s" ;; *) exit 1 ;; esac\n' % tracking)
    chronyc.chmod(0o755)
    monkeypatch.setenv("PATH", "%s:/usr/bin:/bin" % tmp_path)
    out = _run(capsys, {"method": "chrony", "max_sync_age": 3600})
    assert out["failed"] is True and out["changed"] is False
    assert out["msg"].startswith("Clock check failed: last synchronisation was 2:00:00 ago, more than max_sync_age")
    assert out["method"] == "chrony" and out["sources"] == [] and out["tried"] == [] and len(out["problems"]) == 1
    out = _run(capsys, {"method": "chrony", "max_sync_age": 3600, "fail_on_error": False})
    assert not out.get("failed") and out["msg"] == out["problems"][0] and out["synchronized"] is True
