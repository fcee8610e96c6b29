# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The env_file module on real files: check mode, writes, modes, backups, secrets, refusals."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.engage_exec.recording.plugins.modules import env_file
from ansible_collections.engage_exec.recording.tests.unit.plugins.modules.module_runner import run_main

EXISTING = b"# EXEC settings\nORG_ID=42\nREDIS_PASSWORD=hunter2\r\nVENDOR_ONLY=keep me\n"


def run_module(capsys, **args):
    return run_main(env_file.main, capsys, **args)


@pytest.fixture
def env(tmp_path):
    path = tmp_path / ".env"
    path.write_bytes(EXISTING)
    os.chmod(path, 0o640)
    return path


def _snapshot(path):
    st = os.stat(path)
    return path.read_bytes(), st.st_mtime_ns, stat.S_IMODE(st.st_mode)


def test_four_runs_check_real_check_real(capsys, env):
    args = dict(path=str(env), values={"HTTP_LB_EXCP_PORT": 8090, "ORG_ID": "43", "RECORDING": True})
    before = _snapshot(env)
    res, dummy = run_module(capsys, _ansible_check_mode=True, **args)
    assert res["changed"] is True
    assert res["added"] == ["HTTP_LB_EXCP_PORT", "RECORDING"] and res["updated"] == ["ORG_ID"]
    assert _snapshot(env) == before

    res, dummy = run_module(capsys, **args)
    assert res["changed"] is True
    assert env.read_bytes() == (b"# EXEC settings\nORG_ID=43\nREDIS_PASSWORD=hunter2\r\nVENDOR_ONLY=keep me\n"
                                b"HTTP_LB_EXCP_PORT=8090\nRECORDING=true\n")
    # An existing file keeps its mode when mode is not given.
    assert stat.S_IMODE(os.stat(env).st_mode) == 0o640

    after = _snapshot(env)
    for check in (True, False):
        res, dummy = run_module(capsys, _ansible_check_mode=check, **args)
        assert res["changed"] is False, res
        assert res["changed_keys"] == []
        assert _snapshot(env) == after


def test_created_file_is_0600_and_not_created_in_check_mode(capsys, tmp_path):
    path = tmp_path / "new.env"
    res, dummy = run_module(capsys, _ansible_check_mode=True, path=str(path), values={"A": "1"})
    assert res["changed"] and not path.exists()
    res, dummy = run_module(capsys, path=str(path), values={"A": "1"})
    assert res["changed"] and path.read_bytes() == b"A=1\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["new.env"]  # no temporary file left


def test_nothing_to_write_creates_nothing(capsys, tmp_path):
    path = tmp_path / "none.env"
    res, dummy = run_module(capsys, path=str(path), absent=["A"])
    assert res["changed"] is False and not path.exists()


def test_create_false_refuses_missing_file(capsys, tmp_path):
    res, dummy = run_module(capsys, path=str(tmp_path / "missing.env"), values={"A": "1"}, create=False)
    assert res["failed"] and "create: true" in res["msg"]


def test_mode_change_alone_is_a_change(capsys, env):
    res, dummy = run_module(capsys, _ansible_check_mode=True, path=str(env), mode="0600")
    assert res["changed"] and stat.S_IMODE(os.stat(env).st_mode) == 0o640
    res, dummy = run_module(capsys, path=str(env), mode="0600")
    assert res["changed"] and stat.S_IMODE(os.stat(env).st_mode) == 0o600
    res, dummy = run_module(capsys, path=str(env), mode="0600")
    assert not res["changed"]
    assert env.read_bytes() == EXISTING


def test_secrets_masked_in_output(capsys, env):
    res, out = run_module(capsys, _ansible_diff=True, _ansible_inject_invocation=True, path=str(env),
                          values={"WEBDAV_PASS": "top-secret-1", "API_KEY_X": "s3kr1t-2", "PLAIN": "visible-3"},
                          secret_keys=["WEBDAV_PASS"], secret_key_pattern="(?i)api_key|password")
    assert res["changed"]
    # The arguments are echoed back (invocation), with the secret values masked and the others readable.
    assert res["invocation"]["module_args"]["values"]["PLAIN"] == "visible-3"
    for secret in ("top-secret-1", "s3kr1t-2", "hunter2"):
        assert secret not in out
    assert "WEBDAV_PASS=********" in res["diff"]["after"]
    assert "REDIS_PASSWORD=********" in res["diff"]["before"]
    assert "ORG_ID=42" in res["diff"]["after"]
    # The file itself holds the real values.
    assert b"WEBDAV_PASS=top-secret-1\n" in env.read_bytes()


def test_malformed_value_refused_file_untouched(capsys, env):
    before = _snapshot(env)
    res, out = run_module(capsys, path=str(env), values={"GOOD": "x", "MULTI": "line1\nline2"})
    assert res["failed"] and res["_rc"] == 1
    assert "values.MULTI contains a newline" in res["msg"] and "nothing was changed" in res["msg"]
    assert "line1" not in out
    assert _snapshot(env) == before


@pytest.mark.parametrize("args,text", [
    (dict(mode="0999"), "mode '0999'"),
    (dict(owner="no-such-user-xyz"), "owner 'no-such-user-xyz' does not exist"),
    (dict(values={"bad-key": "1"}), "'bad-key' is not a valid variable name"),
    (dict(values={"A": "1"}, absent=["A"]), "both in values and in absent"),
    (dict(secret_key_pattern="("), "secret_key_pattern is not a valid regular expression"),
])
def test_refusals_write_nothing(capsys, env, args, text):
    before = _snapshot(env)
    res, dummy = run_module(capsys, path=str(env), **dict(dict(values={"NEW": "1"}), **args))
    assert res["failed"] and text in res["msg"], res["msg"]
    assert _snapshot(env) == before


def test_backup_and_duplicates(capsys, env):
    env.write_bytes(b"A=1\nB=2\nA=3\n")
    res, dummy = run_module(capsys, path=str(env), values={"A": "3"}, backup=True)
    assert res["changed"] and res["duplicates"] == ["A"] and res["updated"] == []
    assert "A was defined more than once" in json.dumps(res["warnings"])
    assert env.read_bytes() == b"B=2\nA=3\n"
    assert open(res["backup_file"], "rb").read() == b"A=1\nB=2\nA=3\n"
    res, dummy = run_module(capsys, path=str(env), values={"A": "3"}, backup=True)
    assert not res["changed"] and res["backup_file"] is None


def test_symlink_target_updated_link_kept(capsys, tmp_path, env):
    link = tmp_path / "link.env"
    link.symlink_to(env)
    res, dummy = run_module(capsys, path=str(link), values={"ORG_ID": "7"})
    assert res["changed"] and link.is_symlink()
    assert b"ORG_ID=7\n" in env.read_bytes()


def test_directory_refused(capsys, tmp_path):
    res, dummy = run_module(capsys, path=str(tmp_path), values={"A": "1"})
    assert res["failed"] and "not a regular file" in res["msg"]


def test_missing_directory_refused(capsys, tmp_path):
    res, dummy = run_module(capsys, path=str(tmp_path / "nope" / ".env"), values={"A": "1"})
    assert res["failed"] and "does not exist" in res["msg"]


def test_missing_directory_in_check_mode_reports_the_file_to_create(capsys, tmp_path):
    """In check mode the task that would create the folder did not run: report a change, write nothing."""
    target = tmp_path / "nope" / ".env"
    res, dummy = run_module(capsys, path=str(target), values={"A": "1"}, _ansible_check_mode=True)
    assert not res.get("failed") and res["changed"] and res["added"] == ["A"]
    assert not target.parent.exists()


def test_pattern_matched_unmanaged_values_do_not_blank_other_output(capsys, tmp_path):
    path = tmp_path / ".env"
    path.write_bytes(b"FEATURE_TOKEN_ENABLED=true\n")
    res, dummy = run_module(capsys, _ansible_diff=True, path=str(path), values={"RECORDING_ENABLED": True})
    assert res["diff"]["before"] == "FEATURE_TOKEN_ENABLED=********\n"
    assert res["diff"]["after"] == "FEATURE_TOKEN_ENABLED=********\nRECORDING_ENABLED=true\n"
