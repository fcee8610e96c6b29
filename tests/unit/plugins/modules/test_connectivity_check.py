# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.engage_exec.recording.plugins.modules import connectivity_check


def _warnings(out):
    """Warning texts (core >= 2.19 returns them as dicts with a msg)."""
    return " ".join(w.get("msg", str(w)) if isinstance(w, dict) else w for w in out.get("warnings", []))


def _run(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            connectivity_check.main()
    return json.loads(capsys.readouterr().out)


def test_bad_input_names_each_check(capsys):
    out = _run(capsys, {"checks": [
        {"name": "to-nowhere", "host": "h", "port": 1, "protocol": "gopher"},
        {"name": "big-port", "host": "h", "port": 65536},
        {"name": "no-host", "host": "", "port": 80},
        {"name": "neg", "host": "h", "port": 80, "timeout": -2},
    ]})
    assert out["failed"] is True
    assert "nothing was probed" in out["msg"]
    for text in ("check 'to-nowhere': unknown protocol 'gopher'", "check 'big-port': port 65536 is out of range",
                 "check 'no-host': host is empty", "check 'neg': timeout is -2"):
        assert text in out["msg"]


def test_check_mode_runs_and_changes_nothing(capsys, ports):
    up, down = ports
    out = _run(capsys, {"_ansible_check_mode": True, "fail_on_error": False, "checks": [
        {"name": "up", "host": "127.0.0.1", "port": up},
        {"name": "down", "host": "127.0.0.1", "port": down, "required": False}]})
    assert out["changed"] is False and not out.get("failed")
    assert [r["ok"] for r in out["results"]] == [True, False]
    assert out["failed_checks"] == ["down"]
    assert "optional check down failed" in _warnings(out)


def test_required_failure_fails_with_table(capsys, ports):
    up, down = ports
    out = _run(capsys, {"checks": [{"name": "up", "host": "127.0.0.1", "port": up},
                                   {"name": "excs->redis", "host": "127.0.0.1", "port": down}]})
    assert out["failed"] is True and out["changed"] is False
    assert out["msg"].startswith("1 of 2 connectivity checks failed")
    assert "excs->redis" in out["msg"] and "refused" in out["msg"]
    assert out["results"][1]["reason"] == "refused"


def test_optional_failure_does_not_fail(capsys, ports):
    up, down = ports
    out = _run(capsys, {"checks": [{"name": "opt", "host": "127.0.0.1", "port": down, "required": False}]})
    assert not out.get("failed") and out["failed_checks"] == ["opt"]


def test_password_is_not_returned(capsys, ports):
    up, down = ports
    out = _run(capsys, {"fail_on_error": False, "checks": [
        {"name": "web", "host": "127.0.0.1", "port": down, "protocol": "http", "url_username": "u",
         "url_password": "s3cr3t-pw"}]})
    assert "s3cr3t-pw" not in json.dumps(out)


def test_bad_input_returns_the_problems(capsys):
    out = _run(capsys, {"concurrency": 0, "checks": [{"name": "a", "host": "h", "port": 1},
                                                     {"name": "a", "host": "h", "port": 2}]})
    assert out["failed"] is True and out["msg"].startswith("The check table has 2 problem(s); nothing was probed:")
    assert out["problems"] == ["check 'a': name is used twice (rows 1 and 2): names must be unique",
                               "concurrency is 0: it must be at least 1"]
    assert "results" not in out
