# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The monitoring role through playbooks/monitoring.yml, writing into a folder of the controller: check/real/check/
real, the file_sd content, bad input refused before any write, a rules file promtool rejects put back; then the
rules checked with `promtool check rules` and unit-tested with `promtool test rules` (rules_test.yml). promtool is
Debian's `prometheus` package (hack/apt-packages.txt, `make host-packages`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from servers import ROOT

HERE = Path(__file__).parent
INVENTORY = HERE / "inventory.yml"
PLAYBOOK = ROOT / "playbooks" / "monitoring.yml"
# The controller is the prometheus host here: no Prometheus unit to reload, no sudo.
BASE = {"monitoring_reload_unit": "", "ansible_become": False}


def _promtool():
    path = shutil.which("promtool")
    assert path, "promtool is missing: `make host-packages` installs Debian's prometheus package, which ships it"
    return path


def _run(playbook, out, check=False, **extra):
    args = ["--check", "--diff"] if check else ["--diff"]
    return playbook(PLAYBOOK, INVENTORY, *args, extra_vars=dict(BASE, monitoring_dir=str(out), **extra))


def _changed(proc):
    recap = [line for line in proc.stdout.splitlines() if line.startswith("localhost ")]
    assert recap and "failed=0" in recap[-1], proc.stdout[-4000:]
    return "changed=0" not in recap[-1]


def _snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_targets_and_rules_check_real_check_real(playbook, tmp_path):
    out = tmp_path / "prom"
    assert _changed(_run(playbook, out, check=True))
    assert not out.exists(), "check mode wrote files"
    assert _changed(_run(playbook, out))
    files = _snapshot(out)
    assert sorted(files) == ["dashboards/exec-recording.json", "rules/exec-exec.rules.yml"] + sorted(
        "targets/exec-%s.json" % s for s in ("excs", "exas", "excp", "exrp", "haproxy", "apache", "node"))
    exrp = json.loads(files["targets/exec-exrp.json"])
    assert [e["targets"] for e in exrp] == [["192.0.2.21:3660"], ["[2001:db8::22]:3660"], ["exrp3:3660"]]
    assert exrp[0]["labels"] == {"service": "exrp", "node": "exrp1", "site": "exec", "__metrics_path__": "/metrics"}
    excp = json.loads(files["targets/exec-excp.json"])
    # exec_address first (exec2), else ansible_host (exec1 has none in the excp group's vars: set on excs)
    assert [e["targets"][0] for e in excp] == ["192.0.2.10:3650", "excp2.example.net:3650"]
    node = json.loads(files["targets/exec-node.json"])
    assert [e["labels"]["node"] for e in node] == ["exec1", "exec2", "exrp1", "exrp2", "exrp3", "dav1", "lb1"]
    haproxy = json.loads(files["targets/exec-haproxy.json"])
    assert haproxy == [{"targets": ["192.0.2.40:8404"], "labels": {
        "service": "haproxy", "node": "lb1", "site": "exec", "__metrics_path__": "/metrics"}}]
    assert files["dashboards/exec-recording.json"] == (
        ROOT / "roles/monitoring/files/exec-recording-dashboard.json").read_bytes()
    rules = files["rules/exec-exec.rules.yml"].decode()
    assert 'node=~"dav1"' in rules and "> 24000000000" in rules  # 80 % of 1000 calls x 30 GB / 1000

    assert not _changed(_run(playbook, out, check=True))
    assert not _changed(_run(playbook, out))
    assert _snapshot(out) == files

    promtool = _promtool()
    check = subprocess.run([promtool, "check", "rules", str(out / "rules/exec-exec.rules.yml")],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0 and "SUCCESS: 7 rules found" in check.stdout, check.stdout + check.stderr
    shutil.copy(HERE / "rules_test.yml", out / "rules_test.yml")
    test = subprocess.run([promtool, "test", "rules", "rules_test.yml"], cwd=out, capture_output=True, text=True,
                          check=False)
    assert test.returncode == 0 and "SUCCESS" in test.stdout, test.stdout + test.stderr


def test_bad_input_lists_every_problem_and_writes_nothing(playbook, tmp_path):
    out = tmp_path / "prom"
    proc = _run(playbook, out, monitoring_exrp_min_healthy=4, monitoring_down_for="2 minutes",
                monitoring_webdav_storage_ratio=1.5)
    assert proc.returncode != 0
    assert "monitoring_exrp_min_healthy is 4 but the group exrp has 3 host(s)" in proc.stdout
    assert "monitoring_down_for must be a Prometheus duration" in proc.stdout
    assert "monitoring_webdav_storage_ratio must be a number above 0 and at most 1" in proc.stdout
    assert "nothing was changed" in proc.stdout
    assert not out.exists()


def test_rules_promtool_rejects_are_put_back(playbook, tmp_path):
    out = tmp_path / "prom"
    _promtool()
    assert _changed(_run(playbook, out))
    before = _snapshot(out)
    proc = _run(playbook, out, monitoring_metric_injected_matchers='result=', monitoring_no_injection_window="5m")
    assert proc.returncode != 0
    assert "check rules" in proc.stdout and "ExecRecordingsNotInjected" in proc.stdout, proc.stdout[-4000:]
    assert "The previous files are back in place" in proc.stdout
    assert _snapshot(out) == before, "a rules file promtool rejected was left in place"


def test_dashboard_queries_are_valid_promql(tmp_path):
    """Every query of the shipped Grafana dashboard, its variables set, parses as PromQL (promtool checks it as a
    recording rule). That they return data on a real Prometheus is not proven yet (issue 21: the lab's Prometheus
    host)."""
    dashboard = json.loads((ROOT / "roles/monitoring/files/exec-recording-dashboard.json").read_text())
    assert {v["name"] for v in dashboard["templating"]["list"]} == {"datasource", "site", "webdav_mountpoint"}
    exprs = [t["expr"].replace("$site", "exec").replace("$webdav_mountpoint", "/srv/exec-recordings")
             for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 6 and not any("$" in e for e in exprs)
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": "dashboard:query_%d" % i, "expr": e} for i, e in enumerate(exprs)]}]}
    path = tmp_path / "dashboard.rules.yml"
    path.write_text(json.dumps(rules))  # JSON is YAML
    check = subprocess.run([_promtool(), "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert check.returncode == 0 and "SUCCESS: %d rules found" % len(exprs) in check.stdout, check.stdout + check.stderr
