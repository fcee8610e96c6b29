# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""env_file through ansible-playbook on localhost: check/real/check/real, secrets never printed, other lines kept."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from servers import ROOT

PLAYBOOK = Path(__file__).with_name("env_file.yml")

WEBDAV_SECRET = "wd-Pa55-9f3e1c77"
GC_SECRET = "gc-S3cret-0b5d2a14"
REDIS_SECRET = "redis-unmanaged-71c0ffee"

# An EXEC .env as a vendor or a person left it: comments, blank lines, keys we do not manage, a duplicate of a key we
# manage, an `export` line, a quoted value, CRLF on one line and no newline at the end.
EXISTING = (
    b"# EXEC No-Media configuration - edited by hand, keep this comment\n"
    b"\n"
    b"ORG_ID=7a1c2f4e\n"
    b"TENANT_ID=tenant-1\n"
    b"HTTP_LB_EXCP_PORT=8000\n"
    b"REDIS_PASSWORD=" + REDIS_SECRET.encode() + b"\n"
    b"# vendor block\n"
    b"VENDOR_UNKNOWN_KEY=\"quoted value\" # not a comment for docker\r\n"
    b"export EXPORTED_BY_HAND=1\n"
    b"HTTP_LB_EXCP_PORT=8001\n"
    b"OLD_RECORDING_URL=http://old.example\n"
    b"LAST_LINE=no-newline"
)

VALUES = {
    "HTTP_LB_EXCP_PORT": 8090,
    "RECORDING_ENABLED": True,
    "EXRP_NODES": "exrp1.example.com:8080,exrp2.example.com:8080",
    "WEBDAV_PASSWORD": WEBDAV_SECRET,
    "GC_CLIENT_SECRET": GC_SECRET,
    "ORG_ID": "7a1c2f4e",
}

EXPECTED = (
    b"# EXEC No-Media configuration - edited by hand, keep this comment\n"
    b"\n"
    b"ORG_ID=7a1c2f4e\n"
    b"TENANT_ID=tenant-1\n"
    b"REDIS_PASSWORD=" + REDIS_SECRET.encode() + b"\n"
    b"# vendor block\n"
    b"VENDOR_UNKNOWN_KEY=\"quoted value\" # not a comment for docker\r\n"
    b"export EXPORTED_BY_HAND=1\n"
    b"HTTP_LB_EXCP_PORT=8090\n"
    b"LAST_LINE=no-newline\n"
    b"\n"
    b"# Recording Injection (managed by Ansible)\n"
    b"RECORDING_ENABLED=true\n"
    b"EXRP_NODES=exrp1.example.com:8080,exrp2.example.com:8080\n"
    b"WEBDAV_PASSWORD=" + WEBDAV_SECRET.encode() + b"\n"
    b"GC_CLIENT_SECRET=" + GC_SECRET.encode() + b"\n"
)


def _run(playbook, tmp_path, values, *args, absent=("OLD_RECORDING_URL",)):
    extra = dict(
        ansible_connection="local",
        ansible_python_interpreter=str(ROOT / ".venv" / "bin" / "python"),
        envf_path=str(tmp_path / "exec.env"),
        envf_new_path=str(tmp_path / "new" / "exrp.env"),
        envf_values=values,
        envf_absent=list(absent),
        envf_backup=True,
    )
    # ansible-core >= 2.21 leaves the module arguments ("invocation") out of results unless asked; older cores print
    # them at -vvv. Ask for them, so that the test sees what a -vvv run on any supported core prints.
    return playbook(PLAYBOOK, "localhost,", "-vvv", "--diff", *args, extra_vars=extra,
                    env={"ANSIBLE_INJECT_INVOCATION": "true"})


def _recap(stdout):
    m = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", stdout)
    assert m, stdout[-3000:]
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, m.groups())))


def _snapshot(path):
    st = os.stat(path)
    return path.read_bytes(), st.st_mtime_ns, stat.S_IMODE(st.st_mode)


def _assert_no_secret(stdout):
    for secret in (WEBDAV_SECRET, GC_SECRET, REDIS_SECRET):
        assert secret not in stdout, "secret printed:\n" + stdout[-4000:]


@pytest.fixture
def env_dir(tmp_path):
    (tmp_path / "new").mkdir()
    path = tmp_path / "exec.env"
    path.write_bytes(EXISTING)
    os.chmod(path, 0o644)
    return tmp_path


def test_check_real_check_real(playbook, env_dir):
    env, new = env_dir / "exec.env", env_dir / "new" / "exrp.env"
    before = _snapshot(env)

    # 1. check mode: reports the change (with a masked diff) and writes nothing.
    run = _run(playbook, env_dir, VALUES, "--check")
    assert run.returncode == 0, run.stdout[-4000:]
    _assert_no_secret(run.stdout)
    assert _recap(run.stdout)["changed"] == 2
    assert ("changed_keys=HTTP_LB_EXCP_PORT,RECORDING_ENABLED,EXRP_NODES,WEBDAV_PASSWORD,GC_CLIENT_SECRET,"
            "OLD_RECORDING_URL") in run.stdout
    assert "duplicates=HTTP_LB_EXCP_PORT" in run.stdout
    assert "WEBDAV_PASSWORD=********" in run.stdout and "REDIS_PASSWORD=********" in run.stdout
    assert "+HTTP_LB_EXCP_PORT=8090" in run.stdout  # the diff is there, non-secret values readable
    assert _snapshot(env) == before
    assert not new.exists()
    assert sorted(p.name for p in env_dir.iterdir()) == ["exec.env", "new"]

    # 2. real run: the exact expected bytes, 0600, a backup of the original, the new file created 0600.
    run = _run(playbook, env_dir, VALUES)
    assert run.returncode == 0, run.stdout[-4000:]
    _assert_no_secret(run.stdout)
    assert _recap(run.stdout)["changed"] == 2
    assert env.read_bytes() == EXPECTED
    assert stat.S_IMODE(os.stat(env).st_mode) == 0o600
    backups = [p for p in env_dir.iterdir() if p.name.startswith("exec.env.") and p.name.endswith("~")]
    assert len(backups) == 1 and backups[0].read_bytes() == EXISTING
    assert new.read_bytes() == b"ORG_ID=7a1c2f4e\nGC_CLIENT_SECRET=" + GC_SECRET.encode() + b"\n"
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o600
    assert not [p for p in env_dir.iterdir() if p.name.endswith(".tmp")]

    # 3. and 4. check again, then real again: nothing to do, nothing touched (same bytes, same mtime).
    after, after_new = _snapshot(env), _snapshot(new)
    for args in (("--check",), ()):
        run = _run(playbook, env_dir, VALUES, *args)
        assert run.returncode == 0, run.stdout[-4000:]
        _assert_no_secret(run.stdout)
        assert _recap(run.stdout)["changed"] == 0, run.stdout[-4000:]
        assert "changed_keys= " in run.stdout
        assert _snapshot(env) == after and _snapshot(new) == after_new
    assert len([p for p in env_dir.iterdir() if p.name.endswith("~")]) == 1


def test_secret_rotation_is_a_change_and_stays_masked(playbook, env_dir):
    env = env_dir / "exec.env"
    assert _run(playbook, env_dir, VALUES).returncode == 0
    rotated = dict(VALUES, WEBDAV_PASSWORD="wd-rotated-5e6f7a8b")
    run = _run(playbook, env_dir, rotated)
    assert run.returncode == 0, run.stdout[-4000:]
    for secret in ("wd-rotated-5e6f7a8b", WEBDAV_SECRET, GC_SECRET, REDIS_SECRET):
        assert secret not in run.stdout
    assert "changed_keys=WEBDAV_PASSWORD " in run.stdout
    assert b"WEBDAV_PASSWORD=wd-rotated-5e6f7a8b\n" in env.read_bytes()
    # Everything else is still byte for byte what the first run wrote.
    assert env.read_bytes() == EXPECTED.replace(WEBDAV_SECRET.encode(), b"wd-rotated-5e6f7a8b")


@pytest.mark.parametrize("bad,word", [("line1\nline2", "a newline"), ("nul\x00byte", "a NUL byte")])
def test_malformed_value_refused_file_unchanged(playbook, env_dir, bad, word):
    env = env_dir / "exec.env"
    before = _snapshot(env)
    run = _run(playbook, env_dir, dict(VALUES, EXRP_NODES=bad))
    assert run.returncode != 0
    # ansible-core 2.17's YAML result format folds long messages over several lines: compare whitespace-normalised.
    flat = " ".join(run.stdout.split())
    assert "values.EXRP_NODES contains %s" % word in flat, run.stdout[-4000:]
    assert "nothing was changed" in flat
    _assert_no_secret(run.stdout)
    assert _snapshot(env) == before
    assert sorted(p.name for p in env_dir.iterdir()) == ["exec.env", "new"]
