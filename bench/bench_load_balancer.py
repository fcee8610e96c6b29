# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of the load_balancer role: recording-metadata POSTs through HAProxy while one EXCP backend dies.

One VM-like host (lab/vmhost.py: systemd as PID 1, reached over SSH as deploy with become) holds two EXCP stand-ins
(real HTTP servers, 127.0.0.2:3650 and 127.0.0.3:3650) and HAProxy configured by
``engage_exec.recording.load_balancer`` (port 8080, haproxy.service). Side by side, in the same run and host, a
baseline HAProxy on port 8081 (a transient systemd unit, master-worker like haproxy.service) with the same backends
and health checks but without the role's retry settings (no ``retries``/``option redispatch``/``retry-on``: what a
minimal configuration does).
For each: N POSTs (default 20000) at a fixed rate (default 500 per second), a new connection per POST; when half of
them are sent, the first backend is killed. Reported: failed requests (target for the role: 0), p50/p99/max latency.
Traffic goes only to the host this script creates (labelled engage-exec-test=1, removed at the end).

    .venv/bin/python bench/bench_load_balancer.py [--requests 20000] [--rate 500] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (  # noqa: E402  pylint: disable=wrong-import-position
    ROOT, exit_code, host_remove, host_up, pct, run_role, sh, target)
STANDIN = ROOT / "molecule" / "load_balancer" / "files" / "excp_standin.py"
BACKENDS = {"excp1": "127.0.0.2", "excp2": "127.0.0.3"}

PLAYBOOK = """- hosts: all
  become: true
  gather_facts: true
  gather_subset: [min]
  roles:
    - role: engage_exec.recording.load_balancer
      vars:
        load_balancer_port: 8080
        load_balancer_backends:
%s
""" % "\n".join("          - {name: %s, address: %s, port: 3650}" % kv for kv in BACKENDS.items())

BASELINE = """global
    maxconn 4096
defaults
    mode http
    timeout connect 2000ms
    timeout client 30000ms
    timeout server 10000ms
frontend baseline
    bind :8081
    default_backend excp
backend excp
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health
    default-server check inter 2000ms fall 2 rise 2
%s
""" % "\n".join("    server %s %s:3650" % kv for kv in BACKENDS.items())


def start_backend(container, name):
    return int(sh(container, "setsid python3 /usr/local/bin/excp_standin.py %s %s 3650 </dev/null >/dev/null 2>&1 & "
                             "echo $!" % (name, BACKENDS[name])))


async def post(address, port, index, body_size, timeout):
    body = json.dumps({"call": index, "pad": "x" * body_size}).encode()
    req = ("POST /recording/metadata HTTP/1.1\r\nHost: lb\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
           "Connection: close\r\n\r\n" % len(body)).encode() + body
    start = time.perf_counter()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port), timeout)
        writer.write(req)
        await asyncio.wait_for(writer.drain(), timeout)
        status_line = await asyncio.wait_for(reader.readline(), timeout)
        await asyncio.wait_for(reader.read(), timeout)
        status = int(status_line.split()[1])
        return (status == 200, time.perf_counter() - start, status)
    except (OSError, asyncio.TimeoutError, ValueError, IndexError) as exc:
        return (False, time.perf_counter() - start, type(exc).__name__)
    finally:
        if writer is not None:
            writer.close()


async def drive(address, port, args, kill):
    tasks = []
    start = time.perf_counter()
    killed_at = None
    for i in range(args.requests):
        delay = start + i / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if i == args.requests // 2:
            killed_at = time.perf_counter() - start
            proc = await asyncio.create_subprocess_exec(*kill)
            tasks.append(asyncio.ensure_future(proc.wait()))
        tasks.append(asyncio.ensure_future(post(address, port, i, 200, args.timeout)))
    done = await asyncio.gather(*tasks)
    return [r for r in done if isinstance(r, tuple)], time.perf_counter() - start, killed_at


def measure(container, address, port, args, label):
    pid = start_backend(container, "excp1")
    time.sleep(6)  # both backends up and seen healthy (rise 2 x inter 2 s)
    results, wall, killed_at = asyncio.run(drive(address, port, args, ["docker", "exec", container, "kill", str(pid)]))
    failed = [r for r in results if not r[0]]
    kinds = {}
    for r in failed:
        kinds[str(r[2])] = kinds.get(str(r[2]), 0) + 1
    lat = [r[1] for r in results]
    return {"label": label, "sent": len(results), "failed": len(failed), "kinds": kinds, "p50": statistics.median(lat),
            "p99": pct(lat, 99), "max": max(lat), "wall": wall, "rate": len(results) / wall, "killed_at": killed_at}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--keep", action="store_true", help="keep the host")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 16384)), hard))

    container = "bench-lb-%d" % os.getpid()
    try:
        t0 = time.perf_counter()
        facts = host_up(container)
        address = facts["address"]
        print("host %s (%s) up in %.0f s" % (container, address, time.perf_counter() - t0))
        subprocess.run(["docker", "cp", str(STANDIN), "%s:/usr/local/bin/excp_standin.py" % container], check=True)
        start_backend(container, "excp2")
        t0 = time.perf_counter()
        run_role(container, facts, PLAYBOOK, 'load_balancer')
        elapsed = time.perf_counter() - t0
        print("host %s (%s): load_balancer role applied in %.0f s" % (container, address, elapsed))
        subprocess.run(["docker", "exec", "-i", container, "tee", "/etc/haproxy/baseline.cfg"], input=BASELINE,
                       text=True, check=True, stdout=subprocess.DEVNULL)
        sh(container, "haproxy -c -q -f /etc/haproxy/baseline.cfg && systemd-run --quiet --unit=haproxy-baseline "
                      "--property=Type=notify /usr/sbin/haproxy -Ws -f /etc/haproxy/baseline.cfg")
        role = measure(container, address, 8080, args, "role")
        baseline = measure(container, address, 8081, args, "baseline")
    finally:
        if not args.keep:
            host_remove(container)

    print()
    print("host load average (1/5/15 min) at the end: %.1f %.1f %.1f on %d CPUs"
          % (os.getloadavg() + (os.cpu_count(),)))
    print("%d POSTs at %.0f/s through HAProxy, new connection each; backend excp1 killed after %d" % (
        args.requests, args.rate, args.requests // 2))
    columns = ("haproxy", "sent", "failed", "p50 ms", "p99 ms", "max ms", "wall s", "rate/s")
    print("%-9s %7s %7s %9s %9s %9s %8s %9s" % columns)
    for r in (role, baseline):
        row = (r["label"], r["sent"], r["failed"], r["p50"] * 1000, r["p99"] * 1000, r["max"] * 1000, r["wall"],
               r["rate"])
        print("%-9s %7d %7d %9.1f %9.1f %9.1f %8.1f %9.0f" % row)
        if r["kinds"]:
            print("  %s failures: %s" % (r["label"], r["kinds"]))
    ratio = role["p99"] / baseline["p99"]
    print("ratios role/baseline: failed %d vs %d, p99 %.2f" % (role["failed"], baseline["failed"], ratio))
    target("role: failed requests", role["failed"], "0", role["failed"] == 0)
    return exit_code()


if __name__ == "__main__":
    sys.exit(main())
