# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which processes listen on which TCP ports, from /proc alone (read-only; Linux). Backend of tcp_listeners and of
host_probe's listeners part."""

from __future__ import annotations

import os

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError

LISTEN = "0A"
UNKNOWN = "unknown[?]"


def check_ports(ports, option="ports"):
    """Raise ModuleError naming every one of ``ports`` that is not a TCP port (``option`` is the module option that
    holds them). Nothing is read then."""
    bad = [p for p in ports if not 1 <= p <= 65535]
    if bad:
        raise ModuleError("%s %s are not TCP ports (1-65535)." % (option, ", ".join(str(p) for p in bad)))


def listening_inodes(ports, tables=("/proc/net/tcp", "/proc/net/tcp6")):
    """{socket inode: port} of the sockets in LISTEN state on one of ``ports``."""
    found = {}
    for table in tables:
        try:
            with open(table, encoding="ascii") as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    port = int(fields[1].rsplit(":", 1)[1], 16)
                    if fields[3] == LISTEN and port in ports:
                        found[fields[9]] = port
        except (OSError, StopIteration):
            continue
    return found


def _comm(pid):
    try:
        with open("/proc/%s/comm" % pid, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return None


def owners(inodes):
    """{port: {"comm[pid]", ...}} for the processes holding the sockets ``inodes``."""
    result = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fd_dir = "/proc/%s/fd" % pid
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(os.path.join(fd_dir, fd))
            except OSError:  # closed since the listing (the listing's own descriptor, for this process)
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                result.setdefault(inodes[link[8:-1]], set()).add("%s[%s]" % (_comm(pid) or "?", pid))
    return result


def running():
    """Names of every process (a listener whose process cannot be seen may be one of them)."""
    return {name for name in (_comm(pid) for pid in filter(str.isdigit, os.listdir("/proc"))) if name}


def scan(ports):
    """{"ports": {"<port>": ["comm[pid]", ...]}, "running": [...]}: only ports something listens on appear."""
    ports = {int(p) for p in ports}
    inodes = listening_inodes(ports)
    by_port = owners(inodes)
    report = {str(port): sorted(by_port.get(port, {UNKNOWN})) for port in set(inodes.values())}
    return {"ports": report, "running": sorted(running())}
