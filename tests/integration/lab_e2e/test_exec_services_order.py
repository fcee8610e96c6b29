# SPDX-License-Identifier: GPL-3.0-or-later
"""exec_services on the lab (slow: `make test-faults`): the start order EXCS -> EXAS -> EXCP read from the
containers' own start times (docker inspect State.StartedAt on lab-exec), a rerun without a .env change restarts
nothing, and a recreated container keeps its image, network mode and mounts.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone

import pytest

import labctl as lab
from servers import ROOT

pytestmark = pytest.mark.slow

SITE = ROOT / "site.yml"
HOST = "lab-exec"
ORDER = ("excs", "exas", "excp")
ENV = "/opt/genesys/exec/%s/.env"
STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$")


def started_ns(stamp):
    """Docker's RFC 3339 time (nanoseconds, trailing zeros dropped) as nanoseconds since the epoch."""
    match = STAMP.match(stamp)
    assert match, stamp
    seconds = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    return int(seconds) * 10**9 + int((match.group(2) or "0").ljust(9, "0"))


def containers():
    """{service: what docker inspect says of its container on lab-exec: id, start time, image, network, mounts}."""
    found = {}
    for name in ORDER:
        info = json.loads(lab.dexec(HOST, "docker", "inspect", name).stdout)[0]
        found[name] = {"id": info["Id"], "started": started_ns(info["State"]["StartedAt"]),
                       "image": info["Config"]["Image"], "image_id": info["Image"],
                       "network_mode": info["HostConfig"]["NetworkMode"],
                       "mounts": sorted((m["Type"], m.get("Source"), m["Destination"], m.get("RW"))
                                        for m in info["Mounts"])}
    return found


def env_of(name):
    """The environment the container runs with (Config.Env)."""
    return json.loads(lab.dexec(HOST, "docker", "inspect", "-f", "{{json .Config.Env}}", name).stdout)


def exec_services(*args):
    result = lab.playbook(SITE, "--tags", "exec_services", *args)
    assert result.returncode == 0, result.stdout[-6000:]
    return result


@pytest.fixture(scope="module")
def lab_converged():
    """The lab up and converged by site.yml (a lab already up is reused: up.yml and site.yml are idempotent)."""
    lab.up()
    result = lab.playbook(SITE)
    assert result.returncode == 0, result.stdout[-6000:]


def test_rerun_without_env_change_restarts_nothing(lab_converged):
    before = containers()
    exec_services()
    assert containers() == before


def test_start_order_and_recreated_containers_keep_image_network_and_mounts(lab_converged):
    """All three .env files changed (EXCS and EXAS by hand, EXCP by the role through exec_services_env_extra): every
    container is recreated, each started after the one before it in the order, and each keeps its image, network
    mode and mounts. Then the hand-made lines go and a last run puts the lab back."""
    before = containers()
    mark = "ORDER_TEST_%s" % uuid.uuid4().hex[:8].upper()
    for name in ORDER[:2]:
        lab.dexec(HOST, "bash", "-c", "echo %s=1 >> %s" % (mark, ENV % name))
    try:
        exec_services("-e", json.dumps({"exec_services_env_extra": {mark: "1"}}))
        after = containers()
    finally:
        for name in ORDER:
            lab.dexec(HOST, "sed", "-i", "/^%s=/d" % mark, ENV % name)
    for name in ORDER:
        assert after[name]["id"] != before[name]["id"], "%s was not recreated" % name
        assert after[name]["started"] > before[name]["started"]
        for key in ("image", "image_id", "network_mode", "mounts"):
            assert after[name][key] == before[name][key], (name, key, before[name][key], after[name][key])
    starts = [after[name]["started"] for name in ORDER]
    assert starts == sorted(starts) and len(set(starts)) == 3, dict(zip(ORDER, starts))
    assert mark + "=1" in env_of("excp")
    exec_services()  # the .env files without the mark again: back to the lab's own state
    assert not [name for name in ORDER if mark + "=1" in env_of(name)]
