# SPDX-License-Identifier: GPL-3.0-or-later
"""Retiring an EXRP node (exrp_node role, exrp_node_scope retired, exrp_node_state absent) on a VM-like host of its
own (lab/vmhost.py, systemd, sshd, its own Docker engine) running the lab's EXRP stand-in.

Check mode reports the container and the .env as going and changes nothing; the real run waits while recordings
are in flight on the node (its exrp_inflight metric), then removes the container, the .env and the .env's backups;
a rerun, and check mode after it, change nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid

import pytest
import yaml

from servers import ROOT

sys.path.insert(0, str(ROOT / "lab"))
import vmhost  # noqa: E402  pylint: disable=wrong-import-position

IMAGE = "exec/exrp:100.0.100.99"  # the lab's EXRP stand-in (lab/images/build.sh)
ENV = "/opt/genesys/exec/exrp/.env"
SILENT_PORT = 6390  # a Redis address that accepts and never answers: each recording stays in flight ~10 s
PLAY = [{"hosts": "exrp", "gather_facts": False, "become": True,
         "roles": [{"role": "engage_exec.recording.exrp_node", "vars": {"exrp_node_scope": "retired"}}]}]


def dexec(name, *argv, check=True, stdin=None):
    return subprocess.run(["docker", "exec"] + (["-i"] if stdin else []) + [name] + list(argv), input=stdin,
                          capture_output=True, text=stdin is None or isinstance(stdin, str), check=check, timeout=300)


@pytest.fixture(scope="module")
def node():
    # The lab's stand-in images, built as lab/up.yml builds them (once; a second run changes nothing).
    build = subprocess.run(["bash", str(ROOT / "lab" / "images" / "build.sh"), "--versions", IMAGE.split(":")[1],
                            "--no-archives"], capture_output=True, text=True, timeout=1200, check=False)
    assert build.returncode == 0, build.stderr[-4000:]
    name = "t10d-%s-exrp" % uuid.uuid4().hex[:6]
    network = name + "-net"
    try:
        facts = vmhost.up([{"name": name, "docker": True}], network=network, labels={"engage-exec-test": "1"})[name]
        dexec(name, "systemctl", "start", "docker")  # as a site's VM is prepared (lab/up.yml does the same)
        save = subprocess.run(["docker", "save", IMAGE], capture_output=True, check=True)
        dexec(name, "docker", "load", stdin=save.stdout)
        yield name, facts
    finally:
        vmhost.remove([name])
        subprocess.run(["docker", "network", "rm", network], capture_output=True, check=False)


def start_exrp(name):
    """A serving EXRP container as exrp_node leaves it: .env (0600) with a backup beside it, container exrp."""
    env = "\n".join(["EXEC_SERVICE=EXRP", "EXEC_NODE_NAME=" + name, "WEBDAV_URL=http://127.0.0.1:9/recordings",
                     "WEBDAV_USERNAME=exrp", "WEBDAV_PASSWORD=not-a-real-secret", "GC_API_HOST=127.0.0.1:9",
                     "GC_LOGIN_HOST=127.0.0.1:9", "GC_CLIENT_ID=x", "GC_CLIENT_SECRET=not-a-real-secret",
                     "REDIS_HOST=127.0.0.1", "REDIS_PORT=%d" % SILENT_PORT, ""])
    dexec(name, "mkdir", "-p", "/opt/genesys/exec/exrp")
    for path in (ENV, ENV + ".1234.2026-12-07@23:00:00~"):
        dexec(name, "sh", "-c", "umask 077; cat > '%s'" % path, stdin=env)
    dexec(name, "docker", "run", "-d", "--name", "exrp", "--network", "host", "--env-file", ENV,
          "--restart", "unless-stopped", "--label", "engage-exec.service=exrp", IMAGE)
    for _attempt in range(30):
        if dexec(name, "curl", "-fsS", "-m", "2", "http://127.0.0.1:3660/metrics", check=False).returncode == 0:
            return
        time.sleep(1)
    raise AssertionError("the EXRP stand-in did not answer on %s" % name)


def in_flight(name, count):
    """``count`` recordings handed to the node; each waits on the silent Redis (two 5 s socket timeouts)."""
    dexec(name, "sh", "-c", "nohup python3 -c 'import socket,time; s=socket.socket(); "
          "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\"127.0.0.1\", %d)); s.listen(64); "
          "time.sleep(120)' >/dev/null 2>&1 &" % SILENT_PORT)
    time.sleep(0.5)
    body = json.dumps({"recording_id": "r", "media_path": "a/r.wav"})
    # One recording every 2 s: the node has work in flight for about 2 * count + 10 s from now.
    script = ("for i in $(seq %d); do curl -s -m 60 -X POST -H 'Content-Type: application/json' -d '%s' "
              "http://127.0.0.1:3660/api/v1/recordings >/dev/null 2>&1 & sleep 2; done\n" % (count, body))
    dexec(name, "sh", "-c", "cat > /tmp/send.sh", stdin=script)
    dexec(name, "sh", "-c", "nohup sh /tmp/send.sh >/dev/null 2>&1 &")
    for _attempt in range(20):
        metrics = dexec(name, "curl", "-fsS", "http://127.0.0.1:3660/metrics").stdout
        if re.search(r"^exrp_inflight [1-9]", metrics, re.M):
            return
        time.sleep(0.25)
    raise AssertionError("no recording in flight on the node")


def files(name):
    return dexec(name, "find", "/opt/genesys/exec/exrp", "-type", "f").stdout.split()


def containers(name):
    return dexec(name, "docker", "ps", "-a", "--filter", "name=^exrp$", "--format", "{{.Names}}").stdout.split()


def counts(result):
    return [int(n) for n in re.findall(r"changed=(\d+)", result.stdout)]


def test_retire_drains_then_removes_container_and_env_and_a_rerun_changes_nothing(node, tmp_path, playbook):
    """A node marked absent: check mode reports what would go and changes nothing; the run waits for the recordings
    in flight, then removes the container, the .env and its backups; rerun and check mode after report no change.
    """
    name, facts = node
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {"exrp": {"hosts": {name: dict(
        vmhost.inventory_vars(facts), exrp_node_state="absent", exrp_node_registry="registry.invalid:5000")}}}}}))
    play = tmp_path / "retire.yml"
    play.write_text(yaml.safe_dump(PLAY))
    start_exrp(name)
    before = files(name)
    assert len(before) == 2 and containers(name) == ["exrp"]

    check = playbook(play, inventory, "--check", "--diff")
    assert check.returncode == 0, check.stdout[-4000:]
    assert counts(check) == [2], check.stdout[-4000:]  # the container and the .env files would go
    assert containers(name) == ["exrp"] and files(name) == before

    in_flight(name, 12)
    start = time.monotonic()
    real = playbook(play, inventory, "-e", "exrp_node_drain_timeout=60")
    seconds = time.monotonic() - start
    assert real.returncode == 0, real.stdout[-4000:]
    drain = real.stdout.partition("Wait until no recording is in flight")[2].partition("TASK [")[0]
    assert "FAILED - RETRYING" in drain, real.stdout[-4000:]  # it waited for the recordings in flight
    assert seconds > 4, seconds
    assert containers(name) == [] and files(name) == []
    assert "not-a-real-secret" not in real.stdout + check.stdout

    rerun = playbook(play, inventory)
    assert rerun.returncode == 0 and counts(rerun) == [0], rerun.stdout[-4000:]
    check_again = playbook(play, inventory, "--check")
    assert check_again.returncode == 0 and counts(check_again) == [0], check_again.stdout[-4000:]
