# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Monitoring on the lab (slow: `make test-faults`, under `flock /work/lab.lock` where the lab is shared).

After lab/up.yml and site.yml, the lab's Prometheus (Debian's package on lab-prometheus, a systemd unit) scrapes every
target the monitoring role wrote - EXCS, EXAS, EXCP, both EXRP nodes, HAProxy's exporter, the Apache exporter and
every host's node exporter - and each answers (`up == 1`). Stopping one EXRP node's container makes ExecTargetDown
for that node pending and then firing within the lab's `for:` (monitoring_down_for, 10 s in
inventories/lab/group_vars) plus a scrape and an evaluation interval (5 s each), and ExrpRedundancyLost fires (one
healthy node of the two N+1 needs). The node is started again at the end. Prometheus is asked with promtool, inside
the lab host (`docker exec`), as the other lab tests look into hosts.
"""

from __future__ import annotations

import json
import time

import pytest

import labctl as lab
from servers import ROOT

pytestmark = pytest.mark.slow

SITE = ROOT / "site.yml"
PROM = "lab-prometheus"
NODE = "lab-exrp1"
# (service, node) of every target the monitoring role writes for the lab inventory.
NODE_EXPORTERS = {("node", h) for h in ("lab-exec", "lab-exrp1", "lab-exrp2", "lab-webdav", "lab-lb")}
EXPECTED = NODE_EXPORTERS | {("excs", "lab-exec"), ("exas", "lab-exec"), ("excp", "lab-exec"), ("exrp", "lab-exrp1"),
                             ("exrp", "lab-exrp2"), ("haproxy", "lab-lb"), ("apache", "lab-webdav")}
FOR_SECONDS = 10
SCRAPE_SECONDS = 5


def query(expr):
    """The instant vector of `expr` on the lab's Prometheus: [(labels, value)]."""
    out = lab.dexec(PROM, "promtool", "query", "-o", "json", "instant", "http://127.0.0.1:9090", expr).stdout
    return [(s["metric"], s["value"][1]) for s in json.loads(out)]


def wait_for(what, probe, timeout):
    """Poll `probe` every second until it returns something true; returns (value, seconds)."""
    start = time.monotonic()
    while True:
        value = probe()
        if value:
            return value, time.monotonic() - start
        assert time.monotonic() - start < timeout, "%s: not within %d s" % (what, timeout)
        time.sleep(1)


@pytest.fixture(scope="module")
def converged():
    """The lab up (lab/up.yml, idempotent) and converged by site.yml (the monitoring play included)."""
    lab.up()
    result = lab.playbook(SITE)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "Monitoring - Prometheus scrape targets and alert rules" in result.stdout
    return result


def test_every_target_up_and_an_exrp_node_stopped_alerts(converged):
    def all_up():
        series = query('up{site="lab"}')
        seen = {(labels["service"], labels["node"]) for labels, _value in series}
        return seen == EXPECTED and all(value == "1" for _labels, value in series) and series

    series, seconds = wait_for("every lab target up == 1", all_up, 90)
    print("all %d targets up after %.1f s" % (len(series), seconds))
    # alerts of services site.yml just restarted clear once they answer healthy again
    wait_for("no ExecTargetDown / ExrpRedundancyLost alert",
             lambda: not query('ALERTS{site="lab",alertname=~"ExecTargetDown|ExrpRedundancyLost"}'), 60)

    stopped = time.monotonic()  # the stand-in closes its port at once on SIGTERM (docker stop then waits for drain)
    lab.dexec(NODE, "docker", "stop", "exrp")
    try:

        def target_alert(state):
            return query('ALERTS{alertname="ExecTargetDown",service="exrp",node="%s",alertstate="%s"}' % (NODE, state))

        _alert, pending_after = wait_for(
            "ExecTargetDown pending", lambda: target_alert("pending") or target_alert("firing"), 2 * SCRAPE_SECONDS + 10)
        wait_for("ExecTargetDown firing", lambda: target_alert("firing"), FOR_SECONDS + 3 * SCRAPE_SECONDS + 10)
        firing_after = time.monotonic() - stopped
        print("ExecTargetDown for %s: pending after %.1f s, firing after %.1f s" % (NODE, pending_after, firing_after))
        # within the rule's for: plus the scrape that fails and two evaluations (5 s each) and the polling
        assert firing_after <= FOR_SECONDS + 3 * SCRAPE_SECONDS + 5, firing_after
        # the other node still answers; N+1 is lost
        assert query('up{site="lab",service="exrp",node="lab-exrp2"}')[0][1] == "1"
        wait_for("ExrpRedundancyLost firing",
                 lambda: query('ALERTS{alertname="ExrpRedundancyLost",site="lab",alertstate="firing"}'),
                 FOR_SECONDS + 3 * SCRAPE_SECONDS + 10)
    finally:
        lab.dexec(NODE, "docker", "start", "exrp")
    wait_for("%s answers again" % NODE, lambda: query('up{site="lab",service="exrp",node="%s"} == 1' % NODE), 60)


DASHBOARD = ROOT / "roles" / "monitoring" / "files" / "exec-recording-dashboard.json"
VARIABLES = {"$site": "lab", "$webdav_mountpoint": "/srv/exec-recordings"}


def test_dashboard_queries_return_data_after_recordings_flowed(converged):
    """Every query of the shipped Grafana dashboard, its variables set as for the lab, returns data from the lab's
    Prometheus once recordings flowed (the MCP stand-in sends 5 through WebDAV -> LB -> EXCP -> EXRP -> GC)."""
    shipped = DASHBOARD.read_text()
    on_host = lab.dexec(PROM, "cat", "/etc/prometheus/exec/dashboards/exec-recording.json").stdout
    assert on_host == shipped, "the monitoring role did not install the shipped dashboard"
    summary = lab.mcp(5)
    assert summary["ok"] and summary["arrived"] == 5, summary
    dashboard = json.loads(shipped)
    exprs = [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 6
    for title, expr in exprs:
        for name, value in VARIABLES.items():
            expr = expr.replace(name, value)
        assert "$" not in expr, (title, expr)
        # the recordings just sent show in the rates (once scraped), not only zeros
        wait_for("data for %r: %s" % (title, expr),
                 lambda e=expr: [x for x in query(e) if "rate(" not in e or float(x[1]) > 0], 3 * SCRAPE_SECONDS + 15)
