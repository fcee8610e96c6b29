# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os
import shutil
import subprocess

from ansible_collections.engage_exec.recording.plugins.module_utils import _host_resources


def _df(path):
    """(free KiB, mount point) as df -Pk reports them."""
    out = subprocess.run(["df", "-Pk", path], check=True, capture_output=True, text=True).stdout
    fields = out.splitlines()[1].split()
    return int(fields[3]), fields[5]


def test_cpus_and_memory_match_the_kernel():
    assert _host_resources.online_cpus() == int(subprocess.run(["nproc", "--all"], check=True, capture_output=True,
                                                               text=True).stdout)
    with open("/proc/meminfo", encoding="ascii") as handle:
        total_kb = int(handle.readline().split()[1])
    assert _host_resources.memory_mb() == total_kb // 1024


def test_memory_unreadable_is_zero(tmp_path):
    assert _host_resources.memory_mb(str(tmp_path / "missing")) == 0
    broken = tmp_path / "meminfo"
    broken.write_text("MemFree: 12 kB\n")
    assert _host_resources.memory_mb(str(broken)) == 0


def test_free_space_matches_df_for_an_existing_folder(tmp_path):
    report = _host_resources.disk(str(tmp_path))
    free_kb, mount = _df(str(tmp_path))
    assert report["checked"] == str(tmp_path) and report["mount"] == mount and report["error"] is None
    # the file system is in use by other tests: allow 64 MiB of drift between the two reads
    assert abs(report["free_kb"] - free_kb) < 65536


def test_a_path_not_created_yet_is_measured_on_its_nearest_parent(tmp_path):
    report = _host_resources.disk(str(tmp_path / "not" / "yet"))
    assert report["path"] == str(tmp_path / "not" / "yet") and report["checked"] == str(tmp_path)


def _run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def test_docker_missing_or_not_answering_is_reported_not_raised():
    missing = _host_resources.docker_version(None, None)
    assert missing == {"version": None, "error": "the docker command is not installed"}
    refused = _host_resources.docker_version(lambda cmd: (1, "", "Cannot connect to the Docker daemon\n"), "/x/docker")
    assert refused == {"version": None, "error": "Cannot connect to the Docker daemon"}
    seen = []

    def answers(cmd):
        seen.append(cmd)
        return 0, "24.0.7\n", ""
    assert _host_resources.docker_version(answers, "/x/docker") == {"version": "24.0.7", "error": None}
    assert seen == [["/x/docker", "version", "--format", "{{.Server.Version}}"]]


def test_docker_version_from_the_real_engine_when_there_is_one():
    docker = shutil.which("docker")
    report = _host_resources.docker_version(_run, docker)
    if docker and os.path.exists("/var/run/docker.sock") and report["error"] is None:
        assert report["version"].split(".")[0].isdigit()
    else:
        assert report["version"] is None and report["error"]


def test_collect_reads_every_path_in_order(tmp_path):
    report = _host_resources.collect([str(tmp_path), "/"], False, None, None)
    assert [d["path"] for d in report["disks"]] == [str(tmp_path), "/"]
    assert report["docker"] is None and report["cpus"] >= 1 and report["memory_mb"] > 0
