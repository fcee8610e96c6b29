# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A host's sizing in one read: CPUs, memory, free space under some paths, the Docker engine version (Linux)."""

from __future__ import annotations

import os

DOCKER_VERSION_FORMAT = "{{.Server.Version}}"


def argument_spec():
    """The options of host_resources, and the suboptions of host_probe's O(resources)."""
    return dict(paths=dict(type="list", elements="path", default=[]), docker=dict(type="bool", default=False))


def online_cpus():
    """CPUs the kernel has online (what `nproc --all` and Ansible's processor_vcpus count on a VM)."""
    try:
        return int(os.sysconf("SC_NPROCESSORS_ONLN"))
    except (ValueError, OSError):
        return os.cpu_count() or 0


def memory_mb(meminfo="/proc/meminfo"):
    """MemTotal in MiB (as Ansible's memtotal_mb), 0 when it cannot be read."""
    try:
        with open(meminfo, encoding="ascii") as handle:
            for line in handle:
                key, _sep, rest = line.partition(":")
                if key == "MemTotal":
                    return int(rest.split()[0]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _up_to(path, found):
    """``path`` or the nearest of its parents for which ``found`` is true (``/`` at the latest)."""
    while not found(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def nearest_existing(path):
    """``path`` or its nearest existing parent: the folder may not exist before the role that creates it runs."""
    return _up_to(os.path.abspath(path), os.path.exists)


def mount_point(path):
    """The mount point that holds ``path`` (overlay roots and tmpfs included, unlike mount facts)."""
    return _up_to(os.path.realpath(path), os.path.ismount)


def disk(path):
    """Free space (KiB available to unprivileged users, as `df -P`) of the file system under ``path``."""
    checked = nearest_existing(path)
    try:
        stat = os.statvfs(checked)
    except OSError as exc:
        return {"path": path, "checked": checked, "mount": None, "free_kb": None,
                "error": "cannot read the free space of %s: %s" % (checked, exc.strerror or exc)}
    return {"path": path, "checked": checked, "mount": mount_point(checked),
            "free_kb": stat.f_bavail * stat.f_frsize // 1024, "error": None}


def docker_version(run_command, docker_bin):
    """{version, error}: the engine's version as the docker CLI reports it (the daemon must answer)."""
    if not docker_bin:
        return {"version": None, "error": "the docker command is not installed"}
    rc, out, err = run_command([docker_bin, "version", "--format", DOCKER_VERSION_FORMAT])
    if rc == 0 and out.strip():
        return {"version": out.strip(), "error": None}
    return {"version": None, "error": (err or out).strip() or "docker version exited with %d" % rc}


def collect(paths, docker, run_command, docker_bin):
    """Everything the preflight requirements compare, in one pass."""
    return {
        "cpus": online_cpus(),
        "memory_mb": memory_mb(),
        "disks": [disk(p) for p in paths],
        "docker": docker_version(run_command, docker_bin) if docker else None,
    }


def read(params, run_command, get_bin_path):
    """collect() for the options ``params`` (argument_spec())."""
    docker_bin = get_bin_path("docker") if params["docker"] else None
    return collect(params["paths"], params["docker"], run_command, docker_bin)
