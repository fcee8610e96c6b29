# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The deployment lock backend on real files: acquire, refuse, release, expiry, break, takeover, check mode."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils._lock import (
    DeploymentLock,
    LockError,
    describe_owner,
    owner_id,
    run,
)

ALICE = {"id": "ctl1/boot/ns/4242/100", "controller": "ctl1.example.com", "user": "alice", "pid": 4242,
         "playbook": "site.yml"}
BOB = {"id": "awx-job-57/boot/ns/20/5", "controller": "awx-job-57", "user": "runner", "pid": 20,
       "playbook": "upgrade_exrp.yml", "awx_job_id": "57", "awx_job_template_name": "EXRP upgrade"}


class Clock:
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def lock(tmp_path, clock):
    return DeploymentLock(str(tmp_path / "state" / "deploy.lock"), lock_host="exec1", clock=clock)


def _files(directory):
    if not os.path.isdir(directory):
        return None
    return sorted((name, os.stat(os.path.join(directory, name)).st_mtime_ns) for name in os.listdir(directory))


def test_acquire_free_lock_writes_0600_file(lock, clock):
    res = lock.acquire(ALICE, ttl=600)
    assert res["changed"] and res["acquired"] and res["action"] == "acquired" and res["lock_state"] == "free"
    assert res["previous"] is None
    record = json.loads(open(lock.path).read())
    assert record["owner"] == ALICE and record["acquired"] == clock.now and record["expires"] == clock.now + 600
    assert stat.S_IMODE(os.stat(lock.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(lock.path)).st_mode) == 0o700
    assert res["held_by"]["description"] == "alice@ctl1.example.com pid 4242 (playbook site.yml)"
    # No temporary file is left beside it.
    assert sorted(os.listdir(os.path.dirname(lock.path))) == ["deploy.lock", "deploy.lock.guard"]


def test_refused_while_another_run_holds_it(lock, clock):
    lock.acquire(BOB, ttl=3600)
    before = open(lock.path, "rb").read()
    clock.now += 60
    with pytest.raises(LockError) as exc:
        lock.acquire(ALICE, ttl=600, hint="rerun with -e exec_lock_break=true.")
    msg = str(exc.value)
    assert msg.startswith("Deployment lock %s on exec1 is held by another run: runner@awx-job-57 pid 20 "
                          "(playbook upgrade_exrp.yml, AWX job 57, template 'EXRP upgrade')" % lock.path)
    assert "since 2027-01-15T08:00:00Z, lease ends 2027-01-15T09:00:00Z (in 59m00s)" in msg
    assert "This run changed nothing. Wait for that run to finish" in msg
    assert msg.endswith("rerun with -e exec_lock_break=true.")
    assert exc.value.extra["held_by"]["owner"] == BOB and exc.value.extra["lock_state"] == "held"
    assert open(lock.path, "rb").read() == before


def test_same_owner_renews_the_lease(lock, clock):
    lock.acquire(ALICE, ttl=600)
    clock.now += 300
    res = lock.acquire(dict(ALICE, playbook="other name, same id"), ttl=600)
    assert res["action"] == "renewed" and res["lock_state"] == "ours" and res["changed"]
    record = json.loads(open(lock.path).read())
    assert record["acquired"] == clock.now - 300 and record["expires"] == clock.now + 600


def test_release_by_owner_and_twice(lock):
    lock.acquire(ALICE, ttl=600)
    res = lock.release(ALICE)
    assert res["changed"] and res["action"] == "released" and res["previous"]["owner"] == ALICE
    assert not os.path.exists(lock.path)
    res = lock.release(ALICE)
    assert not res["changed"] and res["action"] == "none" and res["lock_state"] == "free"


def test_release_of_another_owners_lock_is_refused_unless_break(lock):
    lock.acquire(BOB, ttl=600)
    with pytest.raises(LockError) as exc:
        lock.release(ALICE)
    assert "was not released: it is held by runner@awx-job-57 pid 20" in str(exc.value)
    assert "not by this run (alice@ctl1.example.com pid 4242" in str(exc.value)
    assert os.path.exists(lock.path)
    res = lock.release(ALICE, break_lock=True)
    assert res["changed"] and res["action"] == "broken" and not os.path.exists(lock.path)
    assert "removed the lock of runner@awx-job-57" in res["warnings"][0]


def test_expired_lease_is_taken_over_with_a_warning(lock, clock):
    lock.acquire(BOB, ttl=600)
    clock.now += 599
    with pytest.raises(LockError):
        lock.acquire(ALICE, ttl=600)
    clock.now += 1
    res = lock.acquire(ALICE, ttl=600)
    assert res["action"] == "took_over_expired" and res["previous"]["owner"] == BOB and res["previous"]["expired"]
    assert "the lease of runner@awx-job-57 pid 20" in res["warnings"][0]
    assert json.loads(open(lock.path).read())["owner"] == ALICE


def test_break_lock_replaces_a_live_holder(lock):
    lock.acquire(BOB, ttl=600)
    res = lock.acquire(ALICE, ttl=600, break_lock=True)
    assert res["action"] == "broken" and "broke the lock of runner@awx-job-57" in res["warnings"][0]
    assert json.loads(open(lock.path).read())["owner"] == ALICE


def test_takeover_only_of_the_owner_named(lock):
    lock.acquire(BOB, ttl=600)
    # Takeover of someone who does not hold the lock (any more): the usual refusal.
    with pytest.raises(LockError):
        lock.acquire(ALICE, ttl=600, takeover=dict(BOB, id="someone else"))
    res = lock.acquire(ALICE, ttl=600, takeover=BOB)
    assert res["action"] == "took_over" and res["previous"]["owner"] == BOB
    # A second run that proved the same holder dead comes too late: compare-and-swap fails, it is refused.
    third = dict(ALICE, id="ctl1/boot/ns/5555/200", pid=5555)
    with pytest.raises(LockError) as exc:
        lock.acquire(third, ttl=600, takeover=BOB)
    assert "held by another run: alice@ctl1.example.com pid 4242" in str(exc.value)


def test_check_mode_writes_nothing(lock, tmp_path, clock):
    state_dir = os.path.dirname(lock.path)
    res = lock.acquire(ALICE, ttl=600, check_mode=True)
    assert res["changed"] and res["action"] == "acquired" and res["lock_state"] == "free"
    assert not os.path.exists(state_dir)  # not even the directory or the guard file
    lock.acquire(BOB, ttl=600)
    before = _files(state_dir)
    with pytest.raises(LockError) as exc:
        lock.acquire(ALICE, ttl=600, check_mode=True)
    assert "held by another run: runner@awx-job-57" in str(exc.value)
    res = lock.acquire(ALICE, ttl=600, break_lock=True, check_mode=True)
    assert res["action"] == "broken" and res["changed"]
    clock.now += 600
    res = lock.acquire(ALICE, ttl=600, check_mode=True)
    assert res["action"] == "took_over_expired"
    res = lock.release(BOB, check_mode=True)
    assert res["changed"] and res["action"] == "released"
    assert _files(state_dir) == before
    assert json.loads(open(lock.path).read())["owner"] == BOB


@pytest.mark.parametrize("content, problem", [
    (b"", "not JSON"),
    (b"{\"owner\": {\"id\": \"x\"", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b"{\"owner\": \"x\"}", "owner, acquired or expires missing"),
])
def test_corrupted_lock_file_counts_as_held_until_mtime_plus_ttl(lock, clock, content, problem):
    os.makedirs(os.path.dirname(lock.path))
    with open(lock.path, "wb") as handle:
        handle.write(content)
    os.utime(lock.path, (clock.now, clock.now))
    with pytest.raises(LockError) as exc:
        lock.acquire(ALICE, ttl=600)
    assert "the lock file is unreadable (%s), so another run may hold it" % problem in str(exc.value)
    assert "lease ends 2027-01-15T08:10:00Z" in str(exc.value)
    with pytest.raises(LockError):
        lock.release(ALICE)
    assert open(lock.path, "rb").read() == content
    clock.now += 600
    res = lock.acquire(ALICE, ttl=600)
    assert res["action"] == "took_over_expired" and res["previous"]["corrupt"] == problem
    assert json.loads(open(lock.path).read())["owner"] == ALICE


def test_corrupted_lock_file_broken(lock, clock):
    os.makedirs(os.path.dirname(lock.path))
    with open(lock.path, "w") as handle:
        handle.write("garbage")
    os.utime(lock.path, (clock.now, clock.now))
    res = lock.acquire(ALICE, ttl=600, break_lock=True)
    assert res["action"] == "broken" and "an unknown run" in res["warnings"][0]


def test_refuses_bad_inputs(tmp_path, lock):
    with pytest.raises(LockError, match="is not absolute"):
        DeploymentLock("relative/deploy.lock")
    with pytest.raises(LockError, match="owner is empty"):
        lock.acquire("", ttl=600)
    with pytest.raises(LockError, match="ttl is 0; give a number of seconds > 0"):
        lock.acquire(ALICE, ttl=0)
    os.makedirs(str(tmp_path / "dir.lock"))
    with pytest.raises(LockError, match="is a directory"):
        DeploymentLock(str(tmp_path / "dir.lock")).acquire(ALICE, ttl=600)


def test_owner_identity():
    assert owner_id(ALICE) == ALICE["id"]
    assert owner_id({"b": 1, "a": 2}) == owner_id({"a": 2, "b": 1})
    assert owner_id("ci pipeline 12") == "ci pipeline 12"
    assert describe_owner("ci pipeline 12") == "'ci pipeline 12'"
    assert describe_owner({"user": "u", "controller": "c", "tags": ["webdav"], "limit": "exrp1"}) == \
        "u@c (tags webdav, limit exrp1)"


def test_run_entry_point(tmp_path):
    params = dict(path=str(tmp_path / "l"), state="present", owner="a", ttl=60, break_lock=False, takeover=None,
                  hint="h")
    assert run(params, False)["action"] == "acquired"
    assert run(dict(params, state="absent"), False)["action"] == "released"


def _contend(path, name, barrier, results):
    barrier.wait()
    try:
        DeploymentLock(path).acquire({"id": name}, ttl=600)
        results.put(("won", name))
    except LockError as exc:
        results.put(("refused", str(exc)))


def test_many_processes_at_once_exactly_one_wins(tmp_path):
    path = str(tmp_path / "deploy.lock")
    ctx = multiprocessing.get_context("fork")
    count = 8
    barrier, results = ctx.Barrier(count), ctx.Queue()
    procs = [ctx.Process(target=_contend, args=(path, "run%d" % i, barrier, results)) for i in range(count)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=30) for dummy in procs]
    for proc in procs:
        proc.join(30)
    winners = [name for kind, name in outcomes if kind == "won"]
    assert len(winners) == 1, outcomes
    assert json.loads(open(path).read())["owner"] == {"id": winners[0]}
    assert sum(1 for kind, dummy in outcomes if kind == "refused") == count - 1
