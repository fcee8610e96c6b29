# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The four host facts the collection's roles read (kernel, architecture, os_family, service_mgr), with the values
Ansible's setup module gives them on Linux, from a few files instead of a setup run. Backend of host_probe's facts
part.

A fact that cannot be told for sure is left out (os_family of a distribution not in FAMILIES): the roles then
gather it with the setup module, as they do when no earlier play set it. Linux only.

Private to this collection; the API may change without notice.
"""

from __future__ import annotations

import os
import platform
import shlex

from ansible_collections.engage_exec.recording.plugins.module_utils._fsutil import read_stripped

# os-release ID -> the os_family setup reports for that distribution. Only IDs whose family is certain: for any
# other (a derivative that setup may name after itself) the fact is left out and the roles gather it with setup.
FAMILIES = {
    "Debian": ("debian", "ubuntu", "raspbian", "linuxmint", "devuan", "kali", "pop", "neon", "parrot", "deepin"),
    "RedHat": ("rhel", "centos", "fedora", "rocky", "almalinux", "ol", "amzn", "scientific", "cloudlinux",
               "virtuozzo", "eurolinux"),
    "Suse": ("sles", "sles_sap", "sled", "opensuse-leap", "opensuse-tumbleweed"),
    "Archlinux": ("arch", "manjaro"),
    "Alpine": ("alpine",),
    "Gentoo": ("gentoo",),
}
_FAMILY_OF = {word: family for family, words in FAMILIES.items() for word in words}

# /proc/1/comm -> service_mgr, where setup names the manager otherwise; any other name is the manager's own.
PID1_NAMES = {"procd": "openwrt_init", "runit-init": "runit", "svscan": "svc", "openrc-init": "openrc"}
# Folders that exist while systemd runs the host.
SYSTEMD_CANARIES = ("/run/systemd/system/", "/dev/.run/systemd/", "/dev/.systemd/")


def os_release(root="/"):
    """The KEY=value pairs of os-release(5) (/etc/os-release, else /usr/lib/os-release), values unquoted; {} when
    neither can be read."""
    for name in ("etc/os-release", "usr/lib/os-release"):
        try:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        pairs = {}
        for line in text.splitlines():
            key, sep, value = line.strip().partition("=")
            if not sep or key.startswith("#"):
                continue
            try:
                words = shlex.split(value)
            except ValueError:
                words = [value.strip("\"'")]
            pairs[key.strip()] = " ".join(words)
        return pairs
    return {}


def os_family(release):
    """The os_family of an os-release mapping, by its ID; None for an ID not in FAMILIES."""
    return _FAMILY_OF.get(release.get("ID", "").strip().lower())


def service_mgr(get_bin_path, root="/"):
    """What runs the host's services, as setup's service_mgr fact: the name of process 1 (mapped by PID1_NAMES)
    unless it is ``init`` or a shell; then systemd when systemctl exists and systemd's run-time folder does,
    upstart, openrc, systemd again when /sbin/init links to it, sysvinit, dinit; else ``service``."""
    def path(name):
        return os.path.join(root, name.lstrip("/"))

    pid1 = read_stripped(path("/proc/1/comm"))
    if not pid1 and os.path.islink(path("/sbin/init")):
        pid1 = os.readlink(path("/sbin/init"))
    pid1 = os.path.basename(pid1.strip()) if pid1 else None
    if pid1 and pid1 != "init" and not pid1.endswith("sh"):
        return PID1_NAMES.get(pid1, pid1)
    systemctl = get_bin_path("systemctl")
    if systemctl and any(os.path.exists(path(canary)) for canary in SYSTEMD_CANARIES):
        return "systemd"
    if get_bin_path("initctl") and os.path.exists(path("/etc/init/")):
        return "upstart"
    if os.path.exists(path("/sbin/openrc")):
        return "openrc"
    if systemctl and os.path.islink(path("/sbin/init")) \
            and os.path.basename(os.path.realpath(path("/sbin/init"))) == "systemd":
        return "systemd"
    if os.path.exists(path("/etc/init.d/")):
        return "sysvinit"
    if os.path.exists(path("/etc/dinit.d/")):
        return "dinit"
    return "service"


def read(get_bin_path, root="/"):
    """{kernel, architecture, os_family, service_mgr} of this host, without os_family when it is not known."""
    facts = {"kernel": platform.release(), "architecture": platform.machine(),
             "service_mgr": service_mgr(get_bin_path, root)}
    family = os_family(os_release(root))
    if family:
        facts["os_family"] = family
    return facts
