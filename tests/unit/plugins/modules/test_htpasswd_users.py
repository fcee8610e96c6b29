# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The htpasswd_users module on real password files, with the real htpasswd program (apache2-utils)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils import _htpasswd
from ansible_collections.engage_exec.recording.plugins.modules import htpasswd_users
from ansible_collections.engage_exec.recording.tests.unit.plugins.modules.module_runner import run_main

HTPASSWD = shutil.which("htpasswd") or "/usr/bin/htpasswd"
if not os.access(HTPASSWD, os.X_OK):
    raise RuntimeError("these tests need the htpasswd program (apache2-utils); `make setup` installs it")


def run_module(capsys, **args):
    return run_main(htpasswd_users.main, capsys, **args)


def verifies(path, name, password):
    return subprocess.run([HTPASSWD, "-v", "-i", str(path), name], input=password + "\n", text=True,
                          capture_output=True, check=False).returncode == 0


def snapshot(path):
    st = os.stat(path)
    return path.read_bytes(), st.st_mtime_ns, stat.S_IMODE(st.st_mode)


@pytest.fixture
def pwfile(tmp_path):
    path = tmp_path / "webdav.htpasswd"
    path.write_text("")
    os.chmod(path, 0o640)
    return path


def test_add_then_nothing_to_do_then_change_then_remove(capsys, pwfile):
    users = {"mcp": "first secret", "exrp": "second secret"}
    res, out = run_module(capsys, path=str(pwfile), users=users, _ansible_diff=True)
    assert res["_rc"] == 0 and res["changed"] is True
    assert res["added"] == ["mcp", "exrp"] and res["updated"] == [] and res["removed"] == []
    assert verifies(pwfile, "mcp", "first secret") and verifies(pwfile, "exrp", "second secret")
    assert res["diff"]["after"] == "mcp\nexrp\n"
    assert "first secret" not in out and "second secret" not in out
    assert pwfile.read_text().count("$2y$") == 2  # bcrypt
    assert stat.S_IMODE(os.stat(pwfile).st_mode) == 0o640  # the file's mode is kept

    before = snapshot(pwfile)
    res, dummy = run_module(capsys, path=str(pwfile), users=users)
    assert res["changed"] is False and res["added"] == res["updated"] == res["removed"] == []
    assert snapshot(pwfile) == before  # hashes are not rewritten when the password still verifies

    res, out = run_module(capsys, path=str(pwfile), users={"mcp": "rotated"}, _ansible_diff=True)
    assert res["changed"] is True and res["updated"] == ["mcp"] and res["removed"] == ["exrp"]
    assert res["diff"]["before"] == "mcp\nexrp\n" and res["diff"]["after"] == "mcp (new password)\n"
    assert verifies(pwfile, "mcp", "rotated") and not verifies(pwfile, "mcp", "first secret")
    assert _htpasswd.read_names(str(pwfile)) == ["mcp"]
    assert "rotated" not in out


def test_check_mode_reports_and_writes_nothing(capsys, pwfile):
    run_module(capsys, path=str(pwfile), users={"mcp": "pw-mcp-1", "old": "pw-old-1"})
    before = snapshot(pwfile)
    res, dummy = run_module(capsys, path=str(pwfile), users={"mcp": "pw-mcp-2", "new": "pw-new-1"}, _ansible_check_mode=True)
    assert res["changed"] is True
    assert res["added"] == ["new"] and res["updated"] == ["mcp"] and res["removed"] == ["old"]
    assert snapshot(pwfile) == before


def test_not_exclusive_keeps_other_users(capsys, pwfile):
    run_module(capsys, path=str(pwfile), users={"admin": "pw-admin-1"})
    res, dummy = run_module(capsys, path=str(pwfile), users={"mcp": "pw-mcp-3"}, exclusive=False)
    assert res["changed"] is True and res["removed"] == []
    assert _htpasswd.read_names(str(pwfile)) == ["admin", "mcp"]


def test_missing_file_created_owner_only_or_refused(capsys, tmp_path):
    path = tmp_path / "new.htpasswd"
    res, dummy = run_module(capsys, path=str(path), users={"mcp": "pw-mcp-4"}, _ansible_check_mode=True)
    assert res["changed"] is True and res["added"] == ["mcp"] and not path.exists()
    res, dummy = run_module(capsys, path=str(path), users={"mcp": "pw-mcp-4"}, create=False)
    assert res["_rc"] == 1 and "does not exist" in res["msg"] and not path.exists()
    res, dummy = run_module(capsys, path=str(path), users={"mcp": "pw-mcp-4"})
    assert res["changed"] is True and verifies(path, "mcp", "pw-mcp-4")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_bad_input_lists_every_problem_and_changes_nothing(capsys, pwfile):
    run_module(capsys, path=str(pwfile), users={"mcp": "pw-mcp-6"})
    before = snapshot(pwfile)
    res, out = run_module(capsys, path=str(pwfile), users={"bad:name": "pw-bad-1", "empty": "", "two": "line\nbreak",
                                                           "mcp": "pw-mcp-5"})
    assert res["_rc"] == 1 and res["failed"] is True
    assert "'bad:name'" in res["msg"] and "'empty' has an empty password" in res["msg"]
    assert "'two' contains a line break" in res["msg"] and "Nothing was changed" in res["msg"]
    assert json.dumps("line\nbreak")[1:-1] not in out and "pw-bad-1" not in out
    assert snapshot(pwfile) == before


def test_missing_program_is_a_clear_error_when_it_is_needed(capsys, pwfile, tmp_path):
    run_module(capsys, path=str(pwfile), users={"mcp": "pw-mcp-6"})
    res, dummy = run_module(capsys, path=str(pwfile), users={"mcp": "pw-mcp-6"}, htpasswd=str(tmp_path / "no-htpasswd"))
    assert res["_rc"] == 1 and "apache2-utils" in res["msg"]
    # A new file needs no verification: check mode reports the additions without the program (before the install).
    res, dummy = run_module(capsys, path=str(tmp_path / "absent"), users={"mcp": "pw-mcp-6"},
                            htpasswd=str(tmp_path / "no-htpasswd"), _ansible_check_mode=True)
    assert res["_rc"] == 0 and res["added"] == ["mcp"]


def test_read_names_skips_comments_blank_lines_and_repeats(tmp_path):
    path = tmp_path / "f"
    path.write_text("# a comment\n\nalice:$2y$05$x\nbob:$apr1$y\nalice:$2y$05$z\n")
    assert _htpasswd.read_names(str(path)) == ["alice", "bob"]
    assert _htpasswd.read_names(str(tmp_path / "missing")) == []


def test_unexpected_htpasswd_failure_is_raised_with_its_output():
    def run(argv, data=None):
        return 1, "", "htpasswd: cannot modify file /x; use '-c' to create it\n"
    tool = _htpasswd.Htpasswd("/usr/bin/htpasswd", "/x", run)
    with pytest.raises(_htpasswd.HtpasswdError, match="rc=1.*cannot modify file"):
        tool.verify("mcp", "secret")


def test_mode_is_set_on_create_and_enforced_later(capsys, tmp_path):
    path = tmp_path / "webdav.htpasswd"
    res, dummy = run_module(capsys, path=str(path), users={"mcp": "pw-mcp-7"}, mode="0640")
    assert res["changed"] is True and stat.S_IMODE(os.stat(path).st_mode) == 0o640
    res, dummy = run_module(capsys, path=str(path), users={"mcp": "pw-mcp-7"}, mode="0640")
    assert res["changed"] is False

    os.chmod(path, 0o644)  # someone made it world-readable: only the mode changes, in check mode not even that
    res, dummy = run_module(capsys, path=str(path), users={"mcp": "pw-mcp-7"}, mode="0640", _ansible_check_mode=True)
    assert res["changed"] is True and res["added"] == res["updated"] == res["removed"] == []
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    res, dummy = run_module(capsys, path=str(path), users={"mcp": "pw-mcp-7"}, mode="0640")
    assert res["changed"] is True and stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert verifies(path, "mcp", "pw-mcp-7")
