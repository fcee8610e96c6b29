# SPDX-License-Identifier: GPL-3.0-or-later
"""The support bundle (playbooks/collect_diagnostics.yml) on a converged lab.

Run in check mode and for real: both succeed, neither changes anything on any host (the hosts' files, directories,
containers, images, the Config DB and the registry, as in the AWX audit), and each leaves one tarball on the
controller that holds every expected part for every host and none of the lab's secrets.
"""

from __future__ import annotations

import tarfile
from urllib.parse import quote

import pytest

import labctl as lab
from servers import ROOT

PLAYBOOK = ROOT / "playbooks" / "collect_diagnostics.yml"
EXEC_HOSTS = ("lab-exec", "lab-exrp1", "lab-exrp2")
HOSTS = EXEC_HOSTS + ("lab-webdav", "lab-lb")
# {part of the bundle: text it must hold}, on every host
EVERY_HOST = {"commands/os-release.txt": "Debian", "commands/kernel.txt": "Linux", "commands/packages.txt": "chrony",
              "commands/time-sync-chrony-tracking.txt": "Leap status", "commands/time-sync-timedatectl.txt": "",
              "config/etc_chrony_chrony.conf": ""}
BY_HOST = {
    "lab-exec": {"commands/containers.txt": "excp", "commands/docker-version.txt": "Server",
                 "env/opt_genesys_exec_excp_.env": "EXRP_URLS=", "http/127.0.0.1_3650_health.txt": "# status=200",
                 "http/127.0.0.1_3640_metrics.txt": "# status=200", "logs/excp.log": ""},
    "lab-exrp1": {"env/opt_genesys_exec_exrp_.env": "WEBDAV_PASSWORD=********",
                  "http/127.0.0.1_3660_health.txt": "# status=200", "http/127.0.0.1_3660_metrics.txt": "exrp_"},
    "lab-exrp2": {"env/opt_genesys_exec_exrp_.env": "GC_CLIENT_SECRET=********",
                  "http/127.0.0.1_3660_health.txt": "# status=200"},
    "lab-webdav": {"config/etc_apache2_sites-enabled_exec-webdav.conf": "Dav", "commands/apache-error-log.txt": "rc=0",
                   "commands/apache-config-test.txt": "rc=0"},
    "lab-lb": {"config/etc_haproxy_haproxy.cfg": "backend", "commands/haproxy-config-test.txt": "rc=0",
               "commands/haproxy-journal.txt": "rc=0", "http/127.0.0.1_8404_metrics.txt": "haproxy_"},
}


@pytest.fixture(scope="module")
def converged():
    """A fresh lab converged by site.yml (which also writes the preflight report the bundle takes)."""
    lab.down()
    lab.up()
    result = lab.playbook(ROOT / "site.yml")
    assert result.returncode == 0, result.stdout[-6000:]
    yield
    lab.down()


def bundle(dest):
    """{path in the tarball: text} of the one tarball in dest."""
    tarballs = list(dest.glob("exec-diagnostics-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    with tarfile.open(tarballs[0]) as tar:
        return {m.name.removeprefix("./"): tar.extractfile(m).read().decode("utf-8", "replace")
                for m in tar.getmembers() if m.isfile()}


@pytest.mark.parametrize("check", [True, False], ids=["check-mode", "real-run"])
def test_bundle_changes_nothing_holds_every_part_and_no_secret(converged, tmp_path, check):
    lab.mark()
    before = lab.snapshot()
    result = lab.playbook(PLAYBOOK, "-e", "collect_diagnostics_dest=%s" % tmp_path, *(["--check"] if check else []))
    assert result.returncode == 0, result.stdout[-6000:]
    assert lab.changed_files() == {}
    assert lab.snapshot() == before
    files = bundle(tmp_path)
    # no secret of the lab anywhere: not in the bundle, not in the run's output
    secrets = lab.secrets()
    assert secrets
    found = sorted("%s in %s" % (name, path) for name, value in secrets.items() for form in sorted({value, quote(value, "")})
                   for path, text in list(files.items()) + [("the run's output", result.stdout)] if form in text)
    assert found == []
    missing = []
    for host in HOSTS:
        for part, text in dict(EVERY_HOST, **BY_HOST[host]).items():
            if text not in files.get("%s/%s" % (host, part), "\0missing"):
                missing.append("%s/%s (%r)" % (host, part, text))
    unread = sorted(path for path, text in files.items() if text.startswith("# not read"))
    assert unread == []
    assert "preflight report" in files.get("preflight-report/preflight.md", ""), sorted(files)
    assert missing == [], (missing, sorted(files))
    # the container logs: one per container the host runs
    for host in EXEC_HOSTS:
        names = [line.split("\t")[0] for line in files["%s/commands/containers.txt" % host].splitlines()[2:] if line]
        assert names and all("%s/logs/%s.log" % (host, n) in files for n in names), (host, names)
