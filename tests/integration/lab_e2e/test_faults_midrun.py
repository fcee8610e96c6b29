# SPDX-License-Identifier: GPL-3.0-or-later
"""Concurrent runs and faults in the middle of a deployment, on the lab (slow: `make test-faults`).

Two site.yml runs started at once: one deploys, the other is refused by the deployment lock before any step (a fresh
lab: nothing serves recordings before that first deployment, so no recordings flow in that case). Then, for each
fault: the run stops with a message that names the cause, what it had not reached yet is untouched, the EXRP nodes
keep serving, and a rerun once the fault is gone converges. Recordings flow through every fault: the MCP driver
sends small batches from before the fault is made until the rerun ended, at least one batch is sent while the fault
is in place, and every recording sent arrives (Recordings).
"""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

import labctl as lab
from servers import ROOT

pytestmark = pytest.mark.slow

SITE = ROOT / "site.yml"
UPGRADE = ROOT / "playbooks" / "upgrade_exrp.yml"
NODES = ("lab-exrp1", "lab-exrp2")
OLD, NEW = "100.0.100.99", "100.0.100.100"


def output(result):
    return result.stdout[-6000:]


def versions():
    """{node: EXRP version it serves, or None when its health check does not answer}."""
    found = {}
    for node in NODES:
        health = lab.dexec(node, "curl", "-fsS", "-m", "2", "http://127.0.0.1:3660/health", check=False)
        found[node] = json.loads(health.stdout)["version"] if health.returncode == 0 else None
    return found


def upgrade_args(version):
    digest = (lab.CACHE / ("exrp-%s.tgz.sha256" % version)).read_text().split()[0]
    return ["-e", "exrp_image_src=/srv/vendor/exrp-%s.tgz" % version, "-e", "exrp_image_checksum=sha256:" + digest]


class Recordings(threading.Thread):
    """MCP traffic from start() until finish(): batches of BATCH recordings (send, then verify they reached the GC
    stand-in), PAUSE seconds apart, LIMIT recordings at most (a bounded CI cost: ~20-50 per case).

    A test starts it before it makes the fault, notes the fault's time window (fault()), and calls finish() after
    the rerun: it asserts that a batch was sent while the fault was in place and that every recording sent arrived.
    """

    BATCH, PAUSE, LIMIT = 3, 4.0, 45

    def __init__(self):
        super().__init__(daemon=True)
        self.batches = []  # (started, ended, verify summary), time.monotonic()
        self.window = None
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set() and len(self.batches) * self.BATCH < self.LIMIT:
            started = time.monotonic()
            try:
                summary = lab.mcp(self.BATCH, timeout=300)
            except Exception as exc:  # pylint: disable=broad-except  # a batch that broke counts as lost
                summary = {"expected": self.BATCH, "arrived": 0, "ok": False, "error": repr(exc)}
            self.batches.append((started, time.monotonic(), summary))
            self._halt.wait(self.PAUSE)

    def fault(self):
        """Context manager around the time the fault is in place."""
        return _Window(self)

    def finish(self):
        """Stop after the batch in progress; assert flow during the fault and that every recording arrived."""
        self._halt.set()
        self.join()
        summaries = [batch[2] for batch in self.batches]
        sent = sum(s["expected"] for s in summaries)
        arrived = sum(s["arrived"] for s in summaries)
        failed = [s for s in summaries if not s["ok"]]
        assert self.window, "the test did not mark the fault's time window"
        during = [b for b in self.batches if b[0] < self.window[1] and b[1] > self.window[0]]
        assert during, "no batch of recordings was sent while the fault was in place (%d batches)" % len(
            self.batches)
        assert sent >= self.BATCH and sent == arrived and not failed, (sent, arrived, failed)
        return sent, len(during)


class _Window:
    def __init__(self, traffic):
        self.traffic = traffic

    def __enter__(self):
        self.started = time.monotonic()

    def __exit__(self, *exc):
        self.traffic.window = (self.started, time.monotonic())


def gax_fault(mode, delay=0):
    """The GAX stand-in's fault switch (lab/gax/gax_server.py; the lab starts it with --admin)."""
    script = ("import json, ssl, sys, urllib.request\n"
              "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE\n"
              "req = urllib.request.Request('https://127.0.0.1:8443/lab/admin/fault', data=sys.argv[1].encode(),"
              " method='POST', headers={'Content-Type': 'application/json'})\n"
              "urllib.request.urlopen(req, context=ctx).read()\n")
    lab.dexec("lab-engage", "python3", "-c", script, json.dumps({"mode": mode, "delay": delay}))


@pytest.fixture(scope="module")
def converged():
    """A fresh lab converged by two site.yml runs started at the same time; their results."""
    lab.down()
    lab.up()
    results = [None, None]

    def run(i):
        results[i] = lab.playbook(SITE)

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    yield sorted(results, key=lambda r: r.returncode)
    lab.down()


def test_two_site_runs_at_once_one_deploys_the_other_is_refused_before_any_step(converged):
    """Fresh lab, two site.yml started together: one hybrid_integration object, one image tag, both nodes on one
    version; the refused run, rerun, reports changed=0. No recordings flow here: on a fresh lab nothing serves them
    before the first deployment.
    """
    deployed, refused = converged
    assert deployed.returncode == 0, output(deployed)
    assert refused.returncode != 0
    assert "is held by another run:" in refused.stdout, output(refused)
    assert "Step 0 - preflight" not in refused.stdout
    assert lab.configdb("select count(*) from cfg_transaction where name = 'hybrid_integration'").strip() == "1"
    assert lab.snapshot()["lab-registry:tags"].count("/_manifests/tags/") == 1
    assert versions() == {n: OLD for n in NODES}
    # The refused run, rerun now, finds everything in place.
    rerun = lab.playbook(SITE)
    assert rerun.returncode == 0, output(rerun)
    assert re.findall(r"changed=(\d+)", rerun.stdout) and not re.search(r"changed=[1-9]", rerun.stdout)


def test_gax_answering_503_stops_the_run_before_any_change(converged):
    """GAX fault switch 503: the hybrid_transaction step fails naming GAX and 503; Config DB rows unchanged; rerun
    converges with one object; recordings sent from before the fault to after the rerun all arrive.
    """
    rows = lab.snapshot()["lab-engage:configdb"]
    traffic = Recordings()
    traffic.start()
    with traffic.fault():
        gax_fault("503")
        try:
            failed = lab.playbook(SITE, "--tags", "hybrid_transaction")
        finally:
            gax_fault("none")
    assert failed.returncode != 0
    assert "503" in failed.stdout and "GAX" in failed.stdout, output(failed)
    assert lab.snapshot()["lab-engage:configdb"] == rows
    rerun = lab.playbook(SITE, "--tags", "hybrid_transaction")
    traffic.finish()
    assert rerun.returncode == 0, output(rerun)
    assert lab.configdb("select count(*) from cfg_transaction where name = 'hybrid_integration'").strip() == "1"


GAX_TIMEOUT, GAX_ATTEMPTS, GAX_BACKOFF = 5, 4, 0.5 + 1 + 2  # cme_hybrid_transaction: retries 3, backoff 0.5 s x 2^n
TIMEOUT_MARGIN = 10  # s: what a slow run may take beyond its timeouts (Python and Ansible start, a loaded machine)


def test_gax_too_slow_stops_the_run_with_a_timeout(converged):
    """GAX answers after 40 s, hybrid_transaction_timeout 5: the step fails with a timeout instead of hanging, and
    within its bound: the same run against a healthy GAX plus every attempt's timeout and backoff plus
    TIMEOUT_MARGIN (33.5 s more at most, below the 40 s GAX takes to answer once). Recordings flow during both runs
    (the same load on the machine for the healthy and the slow one) and all arrive."""
    args = ("--tags", "hybrid_transaction", "-e", "hybrid_transaction_timeout=%d" % GAX_TIMEOUT)
    traffic = Recordings()
    traffic.start()
    start = time.monotonic()
    healthy = lab.playbook(SITE, *args)
    healthy_seconds = time.monotonic() - start
    assert healthy.returncode == 0, output(healthy)
    with traffic.fault():
        gax_fault("slow", delay=40)
        try:
            start = time.monotonic()
            failed = lab.playbook(SITE, *args)
            failed_seconds = time.monotonic() - start
        finally:
            gax_fault("none")
    traffic.finish()
    assert failed.returncode != 0
    flat = " ".join(failed.stdout.split())
    assert re.search(r"after %d attempts: \w*Timeout" % GAX_ATTEMPTS, flat), output(failed)
    bound = healthy_seconds + GAX_ATTEMPTS * GAX_TIMEOUT + GAX_BACKOFF + TIMEOUT_MARGIN
    assert failed_seconds <= bound, "the run took %.1f s; bound %.1f s (healthy run %.1f s)" % (
        failed_seconds, bound, healthy_seconds)


def test_an_unreachable_host_stops_the_run_and_a_rerun_converges(converged):
    """lab-exrp2 hangs (docker pause: its sshd and its EXRP do not answer); EXRP on lab-exrp1 keeps recordings
    flowing (N+1): those sent from before the hang to after the rerun all arrive."""
    traffic = Recordings()
    traffic.start()
    with traffic.fault():
        lab.sh("docker", "pause", "lab-exrp2")
        try:
            failed = lab.playbook(SITE)
        finally:
            lab.sh("docker", "unpause", "lab-exrp2")
    assert failed.returncode != 0
    # Ansible reports it UNREACHABLE with SSH's cause (no answer within the connection timeout), and the run stops
    # in the first play that needs the host: no task runs on any host after it (Ansible still prints the headers
    # of the later plays when a host is unreachable, with no host left to run them on).
    assert re.search(r"(UNREACHABLE|fatal): \[lab-exrp2\]", failed.stdout), output(failed)
    assert re.search(r"timed out|timeout", failed.stdout, re.I), output(failed)
    assert "TASK [" not in failed.stdout.partition("PLAY [Step 1")[2], output(failed)
    # A host that hung has lost its clock synchronisation for a while (the preflight rightly refuses it until then):
    # the operator waits for chrony, as on a site.
    lab.dexec("lab-exrp2", "chronyc", "waitsync", "60", "0", "0", "1")
    rerun = lab.playbook(SITE)
    traffic.finish()
    assert rerun.returncode == 0, output(rerun)
    assert versions() == {n: OLD for n in NODES}


def test_registry_down_during_an_upgrade_stops_before_any_node(converged):
    """lab-registry stopped during upgrade_exrp.yml: fails naming the registry, both nodes keep the old version;
    registry back, the rerun upgrades node by node; recordings sent from before the fault to after the rolling
    upgrade all arrive.
    """
    traffic = Recordings()
    traffic.start()
    with traffic.fault():
        lab.sh("docker", "stop", "lab-registry")
        try:
            failed = lab.playbook(UPGRADE, *upgrade_args(NEW))
        finally:
            lab.sh("docker", "start", "lab-registry")
    assert failed.returncode != 0
    assert "lab-registry" in failed.stdout, output(failed)
    assert versions() == {n: OLD for n in NODES}
    rerun = lab.playbook(UPGRADE, *upgrade_args(NEW))
    traffic.finish()
    assert rerun.returncode == 0, output(rerun)
    assert versions() == {n: NEW for n in NODES}


def test_a_node_that_never_becomes_healthy_stops_the_rolling_upgrade(converged):
    """Back to the old version, but the first node's new container never answers its health check; recordings sent
    from before that run to after the rerun all arrive."""
    traffic = Recordings()
    traffic.start()
    with traffic.fault():
        failed = lab.playbook(UPGRADE, *upgrade_args(OLD), "-e", "exrp_node_health_path=/never-healthy",
                              "-e", "exrp_node_health_timeout=6")
    assert failed.returncode != 0
    assert "did not become healthy" in failed.stdout and "previous container was put back" in failed.stdout, \
        output(failed)
    # The failing node got its previous container back; the other one was never touched: both serve the version
    # they had, and nothing sent meanwhile was lost.
    assert versions() == {n: NEW for n in NODES}
    rerun = lab.playbook(UPGRADE, *upgrade_args(OLD))
    traffic.finish()
    assert rerun.returncode == 0, output(rerun)
    assert versions() == {n: OLD for n in NODES}


def test_webdav_disk_full_stops_the_run_and_a_rerun_converges(converged):
    """The WebDAV storage (1 GB tmpfs) filled to 100 MB free: the webdav step refuses with the GB free and
    webdav_concurrent_calls; freed, the rerun converges. Recordings (16 KiB each) sent from before the fill to after
    the rerun all arrive: the space left still takes them.
    """
    traffic = Recordings()
    traffic.start()
    with traffic.fault():
        lab.dexec("lab-webdav", "fallocate", "-l", "900M", "/srv/exec-recordings/.fill")
        try:
            failed = lab.playbook(SITE, "--tags", "webdav")
        finally:
            lab.dexec("lab-webdav", "rm", "-f", "/srv/exec-recordings/.fill")
    assert failed.returncode != 0
    assert "GB free" in failed.stdout and "webdav_concurrent_calls" in failed.stdout, output(failed)
    rerun = lab.playbook(SITE, "--tags", "webdav")
    traffic.finish()
    assert rerun.returncode == 0, output(rerun)
