# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of the webdav role: a burst of concurrent recording uploads, role vs stock Debian Apache + mod_dav.

One VM-like host (lab/vmhost.py: systemd as PID 1, reached over SSH as deploy with become), one run, two servers in
turn on port 80, each run by systemd (apache2.service):
  1. stock: Debian's apache2 package as installed (mpm_event defaults, ListenBacklog 511), ``a2enmod dav_fs`` and a
     minimal ``Alias /stock`` + ``Dav On`` + Basic auth (the same bcrypt password file format);
  2. role: the same host after ``engage_exec.recording.webdav`` ran with its defaults for 1000 concurrent calls.
For each, N connections (default 1000) are opened at the same instant (an asyncio event releases them all), each PUTs
a distinct 480 KB file (one minute of G.711), with Basic auth. Reported: successes, errors, p50/p99 latency (release
to complete response), wall time, and the host's kernel counters TcpExtListenOverflows / TcpExtListenDrops
(``nstat``) read before and after the burst. Target for the role: 0 errors, 0 overflows, p99 no worse than stock.
Traffic goes only to the host this script creates (labelled engage-exec-test=1, removed at the end).

    .venv/bin/python bench/bench_webdav.py [--uploads 1000] [--size-kb 480] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (  # noqa: E402  pylint: disable=wrong-import-position
    exit_code, host_remove, host_up, pct, run_role, sh, target)
USER, PASSWORD = "mcp", "bench-webdav-pw"

STOCK_CONF = """Alias /stock /srv/stock
<Directory /srv/stock>
    Dav On
    AuthType Basic
    AuthName "stock"
    AuthUserFile /etc/apache2/stock.htpasswd
    Require valid-user
</Directory>
"""

PLAYBOOK = """- hosts: all
  become: true
  gather_facts: true
  gather_subset: [min]
  roles:
    - role: engage_exec.recording.webdav
      vars:
        webdav_users:
          - {name: %s, password: %s}
""" % (USER, PASSWORD)


def put_file(container, path, content):
    subprocess.run(["docker", "exec", "-i", container, "tee", path], input=content, text=True, check=True,
                   stdout=subprocess.DEVNULL)


def counters(container):
    out = sh(container, "nstat -az TcpExtListenOverflows TcpExtListenDrops")
    values = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("TcpExt"):
            values[parts[0]] = int(parts[1])
    return values


async def one(index, address, port, path, header_auth, base, release, timeout):
    prefix = ("call-%06d " % index).encode()
    size = len(prefix) + len(base)
    head = ("PUT %s/bench-%06d.wav HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\nContent-Type: audio/wav\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n" % (path, index, address, header_auth, size)).encode()
    await release.wait()
    start = time.perf_counter()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
        writer.write(head)
        writer.write(prefix)
        writer.write(base)
        await asyncio.wait_for(writer.drain(), timeout)
        status_line = await asyncio.wait_for(reader.readline(), timeout)
        await asyncio.wait_for(reader.read(), timeout)
        status = int(status_line.split()[1])
        return (status in (201, 204), time.perf_counter() - start, status)
    except (OSError, asyncio.TimeoutError, ValueError, IndexError) as exc:
        return (False, time.perf_counter() - start, type(exc).__name__)
    finally:
        if writer is not None:
            writer.close()


async def burst(address, port, path, uploads, size_kb, timeout):
    auth = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
    base = os.urandom(size_kb * 1024 - 12)
    release = asyncio.Event()
    tasks = [asyncio.ensure_future(one(i, address, port, path, auth, base, release, timeout)) for i in range(uploads)]
    await asyncio.sleep(0.5)
    start = time.perf_counter()
    release.set()
    results = await asyncio.gather(*tasks)
    return results, time.perf_counter() - start


def measure(container, address, path, args, label):
    sh(container, "rm -rf %s/* 2>/dev/null; true" % ("/srv/stock" if path == "/stock" else "/srv/exec-recordings"))
    before = counters(container)
    results, wall = asyncio.run(burst(address, 80, path, args.uploads, args.size_kb, args.timeout))
    time.sleep(0.5)
    after = counters(container)
    ok = [r for r in results if r[0]]
    errors = {}
    for r in results:
        if not r[0]:
            errors[str(r[2])] = errors.get(str(r[2]), 0) + 1
    stored = int(sh(container, "ls %s | wc -l" % ("/srv/stock" if path == "/stock" else "/srv/exec-recordings")))
    lat = [r[1] for r in results]
    return {
        "label": label, "ok": len(ok), "errors": len(results) - len(ok), "error_kinds": errors, "stored": stored,
        "p50": statistics.median(lat), "p99": pct(lat, 99), "max": max(lat), "wall": wall,
        "overflows": after.get("TcpExtListenOverflows", 0) - before.get("TcpExtListenOverflows", 0),
        "drops": after.get("TcpExtListenDrops", 0) - before.get("TcpExtListenDrops", 0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--uploads", type=int, default=1000)
    parser.add_argument("--size-kb", type=int, default=480)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--keep", action="store_true", help="keep the host")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, args.uploads * 2 + 256)), hard))

    container = "bench-webdav-%d" % os.getpid()
    try:
        t0 = time.perf_counter()
        facts = host_up(container)
        address = facts["address"]
        print("host %s (%s) up in %.0f s" % (container, address, time.perf_counter() - t0))
        t0 = time.perf_counter()
        # Installed as on a VM: the package starts apache2.service (and enables it) with Debian's default site.
        sh(container, "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                      "apache2 apache2-utils iproute2 >/dev/null 2>&1")
        print("apache2 installed in %.0f s" % (time.perf_counter() - t0))

        # 1. Stock Debian apache2 + mod_dav.
        put_file(container, "/etc/apache2/conf-available/stock-dav.conf", STOCK_CONF)
        sh(container, "a2enmod -q dav_fs >/dev/null && a2enconf -q stock-dav >/dev/null && mkdir -p /srv/stock"
                      " && chown www-data: /srv/stock && printf '%%s' %s"
                      " | htpasswd -B -c -i /etc/apache2/stock.htpasswd %s 2>/dev/null"
                      " && systemctl restart apache2 && sleep 2" % (PASSWORD, USER))
        stock = measure(container, address, "/stock", args, "stock Debian")
        sh(container, "systemctl stop apache2 && a2disconf -q stock-dav >/dev/null && rm -rf /srv/stock")

        # 2. The role's server, same host.
        t0 = time.perf_counter()
        run_role(container, facts, PLAYBOOK, 'webdav')
        limits = sh(container, "grep -E 'ServerLimit|MaxRequestWorkers|ListenBacklog' "
                               "/etc/apache2/mods-available/mpm_event.conf")
        print("webdav role applied in %.0f s: %s" % (time.perf_counter() - t0, " ".join(limits.split())))
        time.sleep(2)
        role = measure(container, address, "/recordings", args, "webdav role")
    finally:
        if not args.keep:
            host_remove(container)

    print()
    print("host load average (1/5/15 min) at the end: %.1f %.1f %.1f on %d CPUs"
          % (os.getloadavg() + (os.cpu_count(),)))
    print("Burst of %d concurrent PUTs of distinct %d KB files, released at once" % (args.uploads, args.size_kb))
    columns = ("server", "success", "errors", "stored", "p50 s", "p99 s", "max s", "wall s", "overflows", "drops")
    print("%-14s %8s %7s %7s %9s %9s %9s %9s %10s %6s" % columns)
    for r in (stock, role):
        print("%-14s %8d %7d %7d %9.3f %9.3f %9.3f %9.3f %10d %6d" % (
            r["label"], r["ok"], r["errors"], r["stored"], r["p50"], r["p99"], r["max"], r["wall"], r["overflows"],
            r["drops"]))
        if r["error_kinds"]:
            print("  %s errors: %s" % (r["label"], r["error_kinds"]))
    print("ratios role/stock: p50 %.2f, p99 %.2f, wall %.2f" % (
        role["p50"] / stock["p50"], role["p99"] / stock["p99"], role["wall"] / stock["wall"]))
    target("role: upload errors", role["errors"], "0", role["errors"] == 0)
    target("role: listen queue overflows", role["overflows"], "0", role["overflows"] == 0)
    target("role: p99 latency", "%.3f s" % role["p99"], "<= stock %.3f s" % stock["p99"], role["p99"] <= stock["p99"])
    return exit_code()


if __name__ == "__main__":
    sys.exit(main())
