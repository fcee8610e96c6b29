# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of site.yml on the lab: first converge vs idempotent rerun, and 2 vs 6 EXRP nodes.

The lab hosts boot and are reached like a site's VMs (systemd, SSH as a non-root user with sudo; lab/README.md).
In one run:
  1. a fresh lab (lab/down.yml, lab/up.yml) with the lab inventory (2 EXRP nodes): site.yml timed twice, the first
     converge and the rerun (which must report changed=0). Target: rerun <= 0.35 of the first converge.
  2. a fresh lab from the same inventory with 6 EXRP nodes (lab-exrp1..6): the first converge and the rerun timed.
     Target: a first converge no more than 1.45 x the 2-node one (the nodes that do not serve yet are deployed at
     once; serving nodes in the desired state are checked at once; only those that need a change go one at a time).
  3. what bounds the rerun: the cost of one module task on a lab host over SSH (the way a site is reached) beside
     the same task over `docker exec` (the community.docker.docker connection the lab used before), of a bare
     `ssh` and a bare `docker exec`, and of a task skipped by its `when`; the number of task results of the rerun,
     and the change work of the first converge (first - rerun): the rerun meets the 0.35 target only when it is at
     most 0.35/0.65 of that change work.
Exits 3 (benchlib.MISSED) when a target is missed or a rerun changed something, 1 on an error.
Steps 1 and 2 run on --repeat fresh labs each (default 2): the machine is shared by the controller and every lab host,
and one run can be seconds off, so each figure is the fastest of its runs, and every run is printed beside it.
The lab is left down at the end. Only the lab's own containers are touched (label engage-exec-lab=1).

    .venv/bin/python bench/bench_site.py [--nodes 6] [--repeat 2] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lab"))

import vmhost  # noqa: E402  pylint: disable=wrong-import-position
BIN = ROOT / ".venv" / "bin"
LAB_INVENTORY = ROOT / "inventories" / "lab"
RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)",
                   re.M)


def playbook(inventory, path, recap=None):
    """Run ansible-playbook; (seconds, {host: changed}); stop the benchmark when it fails. ``recap``: a dict that
    receives {host: (ok, changed, skipped)}."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ENGAGE_LAB_CACHE=str(ROOT / ".cache" / "lab"),
               PATH="%s:%s" % (BIN, os.environ["PATH"]), ANSIBLE_NOCOLOR="1")
    start = time.monotonic()
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), str(path)], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (path, proc.stdout[-5000:]))
    rows = {m.group(1): (int(m.group(2)), int(m.group(3)), int(m.group(6))) for m in RECAP.finditer(proc.stdout)}
    if recap is not None:
        recap.update(rows)
    return seconds, {host: counts[1] for host, counts in rows.items()}


def task_floor(inventory, host, tmp, count=20):
    """What one task costs on a lab host: {figure: seconds} - a bare `docker exec` and a bare `ssh` (a new
    connection each time), a module task over SSH and over `docker exec`, a skipped task.

    The module task is ansible.builtin.command `true` as ``count`` separate tasks (not a loop), minus a playbook with
    none: fork, module payload, the connection, Python on the host, result, callback. Over SSH the connection is
    kept open between tasks (ControlPersist), as on a site. The skipped task is the same task with a `when` that is
    false: the worker is still forked and the condition templated there."""
    port = subprocess.run(["docker", "port", host, "22/tcp"], capture_output=True, text=True,
                          check=True).stdout.split()[0].rsplit(":", 1)[1]
    ssh = vmhost.ssh_argv({"ssh_host": "127.0.0.1", "ssh_port": port}, "true")
    figures = {}
    for label, argv in (("bare docker exec", ["docker", "exec", host, "true"]), ("bare ssh", ssh)):
        start = time.monotonic()
        for _round in range(count):
            subprocess.run(argv, check=True)
        figures[label] = (time.monotonic() - start) / count
    task = {"ansible.builtin.command": "true", "changed_when": False}
    skipped = dict(task, when="inventory_hostname in groups['no_such_group'] | default([])")
    docker_exec = {"ansible_connection": "community.docker.docker", "ansible_user": "root"}
    times = {}
    for label, tasks, play_vars in (("none", [], {}), ("run", [task] * count, {}), ("skip", [skipped] * count, {}),
                                    ("run become", [task] * count, {"ansible_become": True}),
                                    ("none docker", [], docker_exec), ("run docker", [task] * count, docker_exec)):
        path = Path(tmp) / ("floor-%s.yml" % label.replace(" ", "-"))
        path.write_text(yaml.safe_dump([{"hosts": host, "gather_facts": False, "vars": play_vars, "tasks": tasks}]))
        times[label] = playbook(inventory, path)[0]
    figures["task over ssh"] = (times["run"] - times["none"]) / count
    figures["task over ssh, become"] = (times["run become"] - times["none"]) / count
    figures["task over docker exec"] = (times["run docker"] - times["none docker"]) / count
    figures["skipped task"] = (times["skip"] - times["none"]) / count
    return figures


def inventory_with_nodes(tmp, nodes):
    """A copy of the lab inventory whose exrp group has `nodes` hosts."""
    target = Path(tmp) / ("lab-%d" % nodes)
    shutil.copytree(LAB_INVENTORY, target)
    hosts = yaml.safe_load((target / "hosts.yml").read_text())
    exec_children = hosts["all"]["children"]["lab"]["children"]["exec"]["children"]
    exec_children["exrp"]["hosts"] = {"lab-exrp%d" % i: None for i in range(1, nodes + 1)}
    (target / "hosts.yml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    return target


def fresh_lab(inventory):
    playbook(inventory, ROOT / "lab" / "down.yml")
    return playbook(inventory, ROOT / "lab" / "up.yml")[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=6, help="EXRP nodes of the larger lab (default 6)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="fresh labs per size; each figure is the fastest of them (default 2)")
    parser.add_argument("--keep", action="store_true", help="leave the last lab up")
    args = parser.parse_args()
    site = ROOT / "site.yml"
    runs = {}
    recap = {}
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in (2, args.nodes):
            inventory = inventory_with_nodes(tmp, nodes)
            for _round in range(max(1, args.repeat)):
                up = fresh_lab(inventory)
                first = playbook(inventory, site)[0]
                rerun, changed = playbook(inventory, site, recap if nodes == 2 else None)
                runs.setdefault(nodes, []).append((up, first, rerun, sum(changed.values())))
            if nodes == 2:
                floor = task_floor(inventory, "lab-webdav", tmp)
        if not args.keep:
            playbook(inventory, ROOT / "lab" / "down.yml")

    def best(nodes, column):
        """The fastest of the runs, and all of them (the spread says how noisy the machine was)."""
        values = [run[column] for run in runs[nodes]]
        return min(values), "runs: " + ", ".join("%.1f" % v for v in values)

    up = best(2, 0)[0]
    first, first_runs = best(2, 1)
    rerun, rerun_runs = best(2, 2)
    up_large = best(args.nodes, 0)[0]
    first_large, first_large_runs = best(args.nodes, 1)
    rerun_large, rerun_large_runs = best(args.nodes, 2)
    changed = sum(run[3] for run in runs[2])
    changed_large = sum(run[3] for run in runs[args.nodes])
    load = os.getloadavg()
    print("site.yml on the lab (%d cores, load %.1f %.1f %.1f at the end); each figure the fastest of %d fresh labs"
          % ((os.cpu_count() or 0,) + load + (max(1, args.repeat),)))
    print("  lab up (2 EXRP nodes)            %7.1f s" % up)
    print("  first converge, 2 EXRP nodes     %7.1f s   (%s)" % (first, first_runs))
    print("  idempotent rerun, 2 EXRP nodes   %7.1f s   changed=%d   (%s)" % (rerun, changed, rerun_runs))
    print("  rerun / first                    %7.2f    target <= 0.35  %s"
          % (rerun / first, "MET" if rerun / first <= 0.35 else "MISSED"))
    print("  lab up (%d EXRP nodes)            %7.1f s" % (args.nodes, up_large))
    print("  first converge, %d EXRP nodes     %7.1f s   (%s)" % (args.nodes, first_large, first_large_runs))
    print("  %d nodes / 2 nodes                %7.2f    target <= 1.45  %s"
          % (args.nodes, first_large / first, "MET" if first_large / first <= 1.45 else "MISSED"))
    print("  idempotent rerun, %d EXRP nodes   %7.1f s   changed=%d   (%d nodes / 2 nodes %.2f; %s)"
          % (args.nodes, rerun_large, changed_large, args.nodes, rerun_large / rerun, rerun_large_runs))
    executed = sum(counts[0] for counts in recap.values())
    skipped = sum(counts[2] for counts in recap.values())
    print("What bounds the rerun (2 EXRP nodes):")
    print("  bare docker exec on a lab host   %7.3f s" % floor["bare docker exec"])
    print("  bare ssh (new connection)        %7.3f s" % floor["bare ssh"])
    print("  one module task over ssh         %7.3f s   (command: true, separate tasks; connection kept open)"
          % floor["task over ssh"])
    print("  the same task with become (sudo) %7.3f s" % floor["task over ssh, become"])
    print("  one module task over docker exec %7.3f s   (the same tasks; ssh / docker exec %.2f)"
          % (floor["task over docker exec"], floor["task over ssh"] / floor["task over docker exec"]))
    print("  one skipped task                 %7.3f s   (the same task, its `when` false)" % floor["skipped task"])
    print("  task results of the rerun        %7d     ok on %d hosts (+%d skipped)" % (executed, len(recap), skipped))
    print("  change work of the first converge %6.1f s   (first - rerun: image push, installs, pulls, restarts)"
          % (first - rerun))
    print("  rerun that would meet 0.35       %7.1f s   (= 0.35/0.65 of the change work)"
          % ((first - rerun) * 0.35 / 0.65))
    if changed or changed_large:
        print("ERROR: a rerun changed something: %s" % runs)
        return 3
    if rerun / first > 0.35 or first_large / first > 1.45:
        print("ERROR: a target was missed (see MISSED above)")
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
