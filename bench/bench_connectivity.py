# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: a table of 40 TCP checks of which 8 time out (3 s timeout, iptables DROP on loopback ports),
probed by engage_exec.recording.connectivity_check and by ansible.builtin.wait_for in a loop, in the same
ansible-playbook run. Target: connectivity_check finishes within 1.3 x the timeout.

Run: .venv/bin/python bench/bench_connectivity.py   (root: it adds and removes iptables rules on loopback)
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import ROOT, exit_code, target  # noqa: E402  pylint: disable=wrong-import-position

TIMEOUT = 3
TOTAL, DROPPED = 40, 8
COMMENT = "engage-exec-bench-connectivity"


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    return s


def main() -> int:
    if os.geteuid() != 0:
        print("needs root (iptables DROP rules on loopback)", file=sys.stderr)
        return 2
    open_socks = [listener() for dummy in range(TOTAL - DROPPED)]
    drop_socks = [listener() for dummy in range(DROPPED)]
    rules = [["INPUT", "-i", "lo", "-p", "tcp", "--dport", str(s.getsockname()[1]), "-m", "comment", "--comment",
              COMMENT, "-j", "DROP"] for s in drop_socks]
    checks = [{"name": "open-%02d" % i, "host": "127.0.0.1", "port": s.getsockname()[1]}
              for i, s in enumerate(open_socks)]
    checks += [{"name": "dropped-%02d" % i, "host": "127.0.0.1", "port": s.getsockname()[1]}
               for i, s in enumerate(drop_socks)]
    checks.sort(key=lambda c: c["port"])  # interleave open and dropped rows
    keep = ("{{ {'tb': tb, 't0': t0, 't1': t1, 't2': t2, 'module_elapsed': cc.elapsed, "
            "'cc_failed': cc.failed_checks | length, "
            "'wf_failed': wf.results | selectattr('msg', 'defined') | list | length} | to_json }}")
    work = Path(tempfile.mkdtemp(prefix="bench-connectivity-"))
    out = work / "times.json"
    play = [{
        "name": "bench", "hosts": "localhost", "gather_facts": False,
        "vars": {"checks": checks, "open_port": open_socks[0].getsockname()[1]},
        "tasks": [
            {"name": "tb", "ansible.builtin.set_fact": {"tb": "{{ now().timestamp() }}"}},
            {"name": "baseline: one open row (Ansible's per-task cost)", "engage_exec.recording.connectivity_check": {
                "checks": "{{ checks[:1] | map('combine', {'port': open_port}) | list }}", "timeout": TIMEOUT}},
            {"name": "t0", "ansible.builtin.set_fact": {"t0": "{{ now().timestamp() }}"}},
            {"name": "connectivity_check", "engage_exec.recording.connectivity_check": {
                "checks": "{{ checks }}", "timeout": TIMEOUT, "fail_on_error": False}, "register": "cc"},
            {"name": "t1", "ansible.builtin.set_fact": {"t1": "{{ now().timestamp() }}"}},
            {"name": "wait_for loop", "ansible.builtin.wait_for": {
                "host": "{{ item.host }}", "port": "{{ item.port }}", "timeout": TIMEOUT},
             "loop": "{{ checks }}", "loop_control": {"label": "{{ item.name }}"}, "register": "wf",
             "failed_when": False},
            {"name": "t2", "ansible.builtin.set_fact": {"t2": "{{ now().timestamp() }}"}},
            {"name": "keep", "ansible.builtin.copy": {"dest": str(out), "content": keep}},
        ],
    }]
    (work / "bench.yml").write_text(json.dumps(play))
    (work / "inventory.ini").write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                                        % (ROOT / ".venv" / "bin" / "python"))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (ROOT / ".venv" / "bin", os.environ.get("PATH", "")))
    added = []
    try:
        for rule in rules:
            subprocess.run(["iptables", "-I"] + rule, check=True)
            added.append(rule)
        start = time.monotonic()
        proc = subprocess.run([str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(work / "inventory.ini"),
                               str(work / "bench.yml")], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=False)
        wall = time.monotonic() - start
    finally:
        for rule in added:
            subprocess.run(["iptables", "-D"] + rule, check=False)
        for s in open_socks + drop_socks:
            s.close()
    if proc.returncode != 0 or not out.exists():
        print(proc.stdout[-3000:], proc.stderr[-2000:])
        return 1
    t = json.loads(out.read_text())
    base = float(t["t0"]) - float(t["tb"])
    cc = float(t["t1"]) - float(t["t0"])
    wf = float(t["t2"]) - float(t["t1"])
    print("connectivity_check vs wait_for loop: %d TCP checks, %d time out (iptables DROP), timeout %d s"
          % (TOTAL, DROPPED, TIMEOUT))
    print("%-34s %10s %12s %10s" % ("", "task (s)", "x timeout", "failed"))
    print("%-34s %10.2f %12.2f %10d" % ("engage_exec.recording.connectivity_check", cc, cc / TIMEOUT, t["cc_failed"]))
    print("%-34s %10.2f %12.2f %10d" % ("  (module's own elapsed)", t["module_elapsed"], t["module_elapsed"] / TIMEOUT,
                                        t["cc_failed"]))
    print("%-34s %10.2f %12.2f %10d" % ("  (task minus 1-row baseline)", cc - base, (cc - base) / TIMEOUT,
                                        t["cc_failed"]))
    print("%-34s %10.2f %12.2f %10d" % ("ansible.builtin.wait_for loop", wf, wf / TIMEOUT, t["wf_failed"]))
    print("1-row baseline task (Ansible's per-task cost): %.2f s" % base)
    print("ratio wait_for / connectivity_check: %.1f x (task times)   playbook wall time %.1f s" % (wf / cc, wall))
    target("connectivity_check: module elapsed", "%.2f s" % t["module_elapsed"], "<= %.1f s" % (1.3 * TIMEOUT),
           t["module_elapsed"] <= 1.3 * TIMEOUT)
    target("connectivity_check: task minus baseline", "%.2f s" % (cc - base), "<= %.1f s" % (1.3 * TIMEOUT),
           cc - base <= 1.3 * TIMEOUT)
    target("every dropped row reported failed", t["cc_failed"], "== %d" % DROPPED, t["cc_failed"] == DROPPED)
    return exit_code()


if __name__ == "__main__":
    sys.exit(main())
