# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print, as JSON, the processes that listen on the TCP ports given as arguments (read-only, /proc only).

Output: {"ports": {"<port>": ["<comm>[<pid>]", ...]}, "running": ["<comm>", ...]}. A listener whose process cannot
be seen (a daemon that dropped root, without CAP_SYS_PTRACE) is reported as "unknown[?]"; "running" lists the
names of every process, so the caller can tell whether its own daemon may be that listener.
"""

import json
import os
import sys


def listening_inodes(ports):
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    port = int(fields[1].rsplit(":", 1)[1], 16)
                    if fields[3] == "0A" and port in ports:
                        found[fields[9]] = port
        except OSError:
            continue
    return found


def owners(inodes):
    result = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fd_dir = "/proc/%s/fd" % pid
        try:
            links = [os.readlink(os.path.join(fd_dir, fd)) for fd in os.listdir(fd_dir)]
        except OSError:
            continue
        for link in links:
            if link.startswith("socket:[") and link[8:-1] in inodes:
                try:
                    with open("/proc/%s/comm" % pid, encoding="utf-8") as handle:
                        comm = handle.read().strip()
                except OSError:
                    comm = "?"
                result.setdefault(inodes[link[8:-1]], set()).add("%s[%s]" % (comm, pid))
    return result


def running():
    names = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/comm" % pid, encoding="utf-8") as handle:
                names.add(handle.read().strip())
        except OSError:
            continue
    return names


def main():
    ports = {int(arg) for arg in sys.argv[1:]}
    inodes = listening_inodes(ports)
    by_port = owners(inodes)
    report = {str(port): sorted(by_port.get(port, {"unknown[?]"})) for port in set(inodes.values())}
    print(json.dumps({"ports": report, "running": sorted(running())}))


if __name__ == "__main__":
    main()
