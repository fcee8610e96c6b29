# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The deployment lock with real ansible-playbook processes against one lock host (localhost, a temporary path).

Two runs at once: exactly one proceeds, the other is refused before it changes anything, with a message naming the
first; a rerun after the first ends proceeds; a run killed with SIGKILL is taken over by the next run of this
controller; site.yml and upgrade_exrp.yml are refused while another run holds the lock; check mode writes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from servers import ANSIBLE_BIN as VENV_BIN, run_playbook
from servers import ROOT

HOLD = Path(__file__).with_name("hold.yml")
REFUSED = "is held by another run: "


@pytest.fixture
def site(tmp_path):
    """An inventory (the example one, plus ``lockhost`` on local connection holding the lock) and its folders."""
    inv = tmp_path / "inv"
    shutil.copytree(ROOT / "inventories" / "example", inv)
    work = tmp_path / "work"
    work.mkdir()
    lock = tmp_path / "state" / "deploy.lock"
    (inv / "lock.yml").write_text(yaml.safe_dump({"all": {
        "hosts": {"lockhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}},
        "vars": {"exec_lock_host": "lockhost", "exec_lock_path": str(lock), "work_dir": str(work),
                 # The example inventory reads these from a vault; the roles' argument checks need a value.
                 **{name: "x" for name in ("vault_gc_client_id", "vault_gc_client_secret", "vault_redis_password",
                                           "vault_webdav_exrp_password", "vault_webdav_mcp_password")}},
    }}))
    return {"inv": inv, "work": work, "lock": lock}


def _env():
    return dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1",
                PATH="%s:%s" % (VENV_BIN, os.environ.get("PATH", "")))


def start_hold(site, name, *args):
    """ansible-playbook hold.yml in the background, in its own session (so the test can kill all of it)."""
    out = open(site["work"] / ("out-%s.txt" % name), "w+")
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(site["inv"]), str(HOLD), "-e", "run_name=%s" % name, *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=out, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    proc.out = out
    return proc


def output(proc):
    """The output of a background run, blanks (the YAML callback wraps long messages) squeezed."""
    proc.out.seek(0)
    return flat(proc.out.read())


def flat(text):
    return " ".join(text.split())


def wait_until(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s" % what)


def finish(proc, timeout=90):
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        raise AssertionError("ansible-playbook did not finish:\n" + output(proc)[-4000:])
    return proc.returncode


def lock_tasks(site, playbook="site.yml", *args, extra_vars=None):
    """The real playbook, validation and lock plays only (--tags deployment_lock)."""
    run = run_playbook(ROOT / playbook, site["inv"], "--tags", "deployment_lock", *args, extra_vars=extra_vars)
    run.stdout = flat(run.stdout)
    return run


def write_lock(site, owner, acquired, expires):
    site["lock"].parent.mkdir(mode=0o700, exist_ok=True)
    site["lock"].write_text(json.dumps({"format": 1, "owner": owner, "acquired": acquired, "expires": expires,
                                        "ttl": int(expires - acquired)}))
    os.chmod(site["lock"], 0o600)


@pytest.fixture
def cleanup():
    procs = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        proc.out.close()


def test_two_runs_at_once_one_proceeds_the_other_is_refused(site, cleanup):
    first, second = start_hold(site, "A"), start_hold(site, "B")
    cleanup.extend([first, second])
    # The loser is refused as soon as it reaches the lock, while the winner waits for "go" holding it.
    wait_until(lambda: first.poll() is not None or second.poll() is not None, what="one run to be refused")
    loser, winner = (first, second) if first.poll() is not None else (second, first)
    wait_until(lambda: any(site["work"].glob("started-*")), what="the winner to start its deployment")
    refused = output(loser)
    assert loser.returncode != 0, refused
    assert REFUSED in refused, refused[-4000:]
    assert "root@%s pid %d (playbook hold.yml)" % (socket.gethostname(), winner.pid) in refused, refused[-4000:]
    assert "This run changed nothing" in refused and "rerun with -e exec_lock_break=true" in refused
    assert "First half" not in refused

    # While the winner holds the lock, the collection's own playbooks are refused before their first step.
    for playbook, first_step in (("site.yml", "Step 0 - preflight"), ("playbooks/upgrade_exrp.yml", "Push the new")):
        run = lock_tasks(site, playbook)
        assert run.returncode != 0 and REFUSED in run.stdout, run.stdout[-4000:]
        assert "pid %d (playbook hold.yml)" % winner.pid in run.stdout
        assert first_step not in run.stdout
    # ...and so is a check run (it writes nothing either).
    before = site["lock"].read_bytes()
    run = lock_tasks(site, "site.yml", "--check")
    assert run.returncode != 0 and REFUSED in run.stdout, run.stdout[-4000:]
    assert site["lock"].read_bytes() == before

    (site["work"] / "go").touch()
    assert finish(winner) == 0, output(winner)[-4000:]
    name = "A" if winner is first else "B"
    # Nothing half-done: one run's two halves, in order, and nothing of the other run.
    assert (site["work"] / "config").read_text() == "%s part 1\n%s part 2\n" % (name, name)
    assert sorted(p.name for p in site["work"].glob("started-*")) == ["started-" + name]
    assert not site["lock"].exists()

    # The refused run, run again once the first has ended, proceeds.
    other = "B" if name == "A" else "A"
    rerun = start_hold(site, other)
    cleanup.append(rerun)
    assert finish(rerun) == 0, output(rerun)[-4000:]
    assert (site["work"] / "config").read_text().endswith("%s part 1\n%s part 2\n" % (other, other))
    assert not site["lock"].exists()


def test_killed_run_is_taken_over_by_the_next_run_of_this_controller(site, cleanup):
    (site["work"] / "go").unlink(missing_ok=True)
    victim = start_hold(site, "K")
    cleanup.append(victim)
    wait_until((site["work"] / "started-K").exists, what="the run to hold the lock")
    # SIGKILL the ansible-playbook process only, as a crash would (its worker is left waiting for "go").
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    held = json.loads(site["lock"].read_text())
    assert held["owner"]["pid"] == victim.pid and held["owner"]["playbook"] == "hold.yml"

    run = lock_tasks(site, "site.yml")
    assert run.returncode == 0, run.stdout[-4000:]
    assert "took over the lock of a run of this controller that is no longer running (pid %d" % victim.pid \
        in run.stdout
    assert not site["lock"].exists()
    try:
        os.killpg(victim.pid, signal.SIGKILL)  # the orphaned worker of the killed run
    except ProcessLookupError:
        pass


def test_run_of_another_controller_blocks_until_lease_end_or_break(site):
    now = time.time()
    other = {"id": "ci-runner-7/1", "controller": "ci-runner-7", "user": "gitlab-runner", "pid": 4242,
             "playbook": "site.yml", "tower_job_id": "991"}
    write_lock(site, other, now - 60, now + 3600)
    run = lock_tasks(site, "site.yml")
    assert run.returncode != 0, run.stdout[-4000:]
    text = run.stdout
    assert "gitlab-runner@ci-runner-7 pid 4242 (playbook site.yml, Tower job 991)" in text, text[-3000:]
    assert "lease ends" in text and "(in 59m" in text
    assert json.loads(site["lock"].read_text())["owner"] == other
    # A survey sends strings: "true" breaks the lock, with a warning naming its holder; the run then proceeds.
    run = lock_tasks(site, "site.yml", extra_vars={"exec_lock_break": "true"})
    assert run.returncode == 0, run.stdout[-4000:]
    assert "broke the lock of gitlab-runner@ci-runner-7" in run.stdout
    assert not site["lock"].exists()

    # The lock alone can be removed with the release playbook, and only with exec_lock_break.
    write_lock(site, other, now - 60, now + 3600)
    release = ROOT / "playbooks" / "lock_release.yml"
    run = run_playbook(release, site["inv"])
    assert run.returncode != 0 and "was not released: it is held by gitlab-runner@ci-runner-7" in flat(run.stdout)
    assert site["lock"].exists()
    run = run_playbook(release, site["inv"], extra_vars={"exec_lock_break": True})
    assert run.returncode == 0 and "removed the lock of gitlab-runner@ci-runner-7" in flat(run.stdout), run.stdout
    assert not site["lock"].exists()

    # After its lease, the lock of a dead run elsewhere is taken over without asking.
    write_lock(site, other, now - 7200, now - 1)
    run = lock_tasks(site, "site.yml")
    assert run.returncode == 0, run.stdout[-4000:]
    assert "the lease of gitlab-runner@ci-runner-7" in run.stdout
    assert not site["lock"].exists()


def test_check_mode_and_disabled_lock_write_nothing(site):
    # A real run takes and gives back the lock without reporting a change of the site (idempotence stays 0).
    run = lock_tasks(site, "site.yml")
    assert run.returncode == 0 and "lockhost : ok=3 changed=0 unreachable=0 failed=0" in run.stdout, run.stdout
    assert site["lock"].parent.exists() and not site["lock"].exists()
    shutil.rmtree(site["lock"].parent)
    run = lock_tasks(site, "site.yml", "--check")
    assert run.returncode == 0, run.stdout[-4000:]
    assert not site["lock"].parent.exists()
    run = lock_tasks(site, "site.yml", extra_vars={"exec_lock_enabled": "false"})
    assert run.returncode == 0, run.stdout[-4000:]
    assert not site["lock"].parent.exists()


def test_bad_lock_variables_are_refused_before_any_change(site):
    run = lock_tasks(site, "site.yml", extra_vars={"exec_lock_ttl": "6h"})
    assert run.returncode != 0
    assert "exec_lock_ttl must be a number of seconds > 0 (is 6h)" in run.stdout
    assert not site["lock"].parent.exists()


RENEW = Path(__file__).with_name("renew.yml")


def _batches(site, hosts):
    """The lock test inventory plus the group ``batches`` (local connection)."""
    (site["inv"] / "batches.yml").write_text(yaml.safe_dump({"all": {"children": {"batches": {"hosts": {
        h: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable} for h in hosts}}}}}))


def test_rolling_play_renews_the_lease_before_each_batch(site):
    """Three batches of 2 s under a 3 s lease: each batch starts with a fresh lease of this same run (so a rolling
    upgrade longer than exec_lock_ttl keeps the lock), and the lock is given back at the end."""
    _batches(site, ["b1", "b2", "b3"])
    run = run_playbook(RENEW, site["inv"], extra_vars={"exec_lock_ttl": "3", "batch_seconds": 2})
    assert run.returncode == 0, run.stdout[-4000:]
    snaps = [json.loads((site["work"] / ("batch-%s.json" % h)).read_text()) for h in ("b1", "b2", "b3")]
    assert len({s["owner"]["id"] for s in snaps}) == 1
    expires = [s["expires"] for s in snaps]
    assert expires[0] < expires[1] < expires[2], expires
    # Each batch began well inside its lease, though the run outlasted the first lease.
    assert expires[2] - snaps[0]["acquired"] > 4 and expires[2] - expires[0] >= 3.5, snaps
    assert not site["lock"].exists()


def test_rolling_play_stops_when_another_run_took_the_lock(site):
    """When another run took the lock during a batch (it broke ours), the next batch does not start: the renewal
    never breaks a lock, even with exec_lock_break=true on this run."""
    _batches(site, ["b1", "b2"])
    run = run_playbook(RENEW, site["inv"], extra_vars={"exec_lock_ttl": "60", "batch_seconds": 0,
                                                       "steal_after": "b1", "exec_lock_break": "true"})
    text = flat(run.stdout)
    assert run.returncode != 0, text[-4000:]
    assert REFUSED in text and "ops@other pid 1" in text, text[-3000:]
    assert (site["work"] / "batch-b1.json").exists() and not (site["work"] / "batch-b2.json").exists()
    assert json.loads(site["lock"].read_text())["owner"]["id"] == "other/1"


def test_exrp_rollout_play_renews_the_lock_with_the_shared_task():
    """playbooks/exrp_nodes.yml: the one-at-a-time play renews the lock with the task file the test above runs."""
    plays = yaml.safe_load((ROOT / "playbooks" / "exrp_nodes.yml").read_text())
    rollout = [p for p in plays if p.get("serial")]
    assert len(rollout) == 1
    pre = rollout[0]["pre_tasks"]
    assert pre[0]["ansible.builtin.import_tasks"] == "tasks/lock_take.yml"
    assert pre[0]["vars"]["__exec_lock_renew"] is True
