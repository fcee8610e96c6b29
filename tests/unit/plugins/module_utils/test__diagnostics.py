# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.module_utils._diagnostics import (
    bundle_name, collect, env_files, url_name)

ENV = {"/opt/genesys/exec/exrp/.env": "WEBDAV_PASSWORD=w3bdav-pw\nGC_CLIENT_SECRET=gc-secret-1\nEXRP_PORT=3660\n",
       "/opt/genesys/exec/excp/.env": "EXRP_URLS=http://a:3660\n"}
FILES = dict(ENV, **{"/etc/haproxy/haproxy.cfg": "backend excp\n  # inventory-secret\n"})


def walk(top):
    if top == "/opt/genesys/exec":
        yield "/opt/genesys/exec", ["exrp", "excp"], []
        yield "/opt/genesys/exec/exrp", [], [".env", "docker-compose.yml"]
        yield "/opt/genesys/exec/excp", [], [".env"]


def test_names():
    assert bundle_name("/opt/genesys/exec/exrp/.env") == "opt_genesys_exec_exrp_.env"
    assert url_name("http://127.0.0.1:3660/health") == "127.0.0.1_3660_health"
    assert env_files(["/opt/genesys/exec", "/nowhere"], walk=walk) == ["/opt/genesys/exec/excp/.env",
                                                                       "/opt/genesys/exec/exrp/.env"]


def test_collect_masks_every_text_and_keeps_failures(monkeypatch):
    from ansible_collections.engage_exec.recording.plugins.module_utils import _diagnostics
    monkeypatch.setattr(_diagnostics.os, "walk", walk)
    ran = []

    def run(argv):
        ran.append(argv)
        if argv[1:2] == ["ps"]:
            return 0, "exrp\texrp:1\trunning\tUp 2 hours\n", ""
        if argv[1:2] == ["logs"]:
            return 0, "started; webdav password w3bdav-pw accepted\n", "warning gc-secret-1\n"
        if argv[0] == "chronyc":
            return None, "", "chronyc: not installed"
        return 0, "Linux host 6.1\n", ""

    def read(path):
        if path not in FILES:
            raise OSError("No such file or directory: %r" % path)
        return FILES[path]

    def get(url):
        if url.endswith("/health"):
            return 200, '{"status": "ok", "token": "w3bdav-pw"}', None
        return None, "", "URLError: Connection refused"

    params = {"commands": [{"name": "kernel", "argv": ["uname", "-a"]},
                           {"name": "tracking", "argv": ["chronyc", "tracking"]}],
              "files": ["/etc/haproxy/haproxy.cfg", "/etc/missing.conf"], "env_dirs": ["/opt/genesys/exec"],
              "urls": ["http://127.0.0.1:3660/health", "http://127.0.0.1:3660/metrics"], "log_lines": 50,
              "secret_values": ["inventory-secret"]}
    files = collect(params, run, read, get, docker="/usr/bin/docker")
    assert sorted(files) == [
        "commands/containers.txt", "commands/kernel.txt", "commands/tracking.txt", "config/etc_haproxy_haproxy.cfg",
        "config/etc_missing.conf", "env/opt_genesys_exec_excp_.env", "env/opt_genesys_exec_exrp_.env",
        "http/127.0.0.1_3660_health.txt", "http/127.0.0.1_3660_metrics.txt", "logs/exrp.log"]
    everything = "\n".join(files.values())
    for secret in ("w3bdav-pw", "gc-secret-1", "inventory-secret"):
        assert secret not in everything
    assert files["env/opt_genesys_exec_exrp_.env"] == (
        "WEBDAV_PASSWORD=********\nGC_CLIENT_SECRET=********\nEXRP_PORT=3660\n")
    assert files["env/opt_genesys_exec_excp_.env"] == ENV["/opt/genesys/exec/excp/.env"]
    assert files["commands/kernel.txt"] == "$ uname -a\n# rc=0\nLinux host 6.1\n"
    assert "rc=None" in files["commands/tracking.txt"] and "not installed" in files["commands/tracking.txt"]
    assert files["config/etc_missing.conf"].startswith("# not read: No such file")
    assert files["http/127.0.0.1_3660_health.txt"].startswith("GET http://127.0.0.1:3660/health\n# status=200\n")
    assert "Connection refused" in files["http/127.0.0.1_3660_metrics.txt"]
    assert "webdav password ******** accepted" in files["logs/exrp.log"]
    assert ["/usr/bin/docker", "logs", "--tail", "50", "--timestamps", "exrp"] in ran


def test_collect_without_docker_reads_no_container():
    files = collect({"commands": [], "urls": []}, None, None, None, docker=None)
    assert files == {}
