# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the preflight tests: real chronyd, openssl s_server, Apache httpd and iptables DROP rules, all on
loopback and started/removed by the tests themselves."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import servers

DROP_COMMENT = "engage-exec-test-preflight"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------- module runner
@pytest.fixture
def run_module(tmp_path, playbook):
    """``run_module(name, args, check=False, hosts_vars=None)`` runs one module task on localhost through
    ansible-playbook and returns its registered result (failed or not)."""
    counter = [0]

    def run(module, args, check=False, env=None):
        counter[0] += 1
        out = tmp_path / ("result-%d.json" % counter[0])
        play = [{
            "name": "run %s" % module, "hosts": "localhost", "gather_facts": False,
            "tasks": [
                {"name": "the module", module: args, "register": "r", "ignore_errors": True},
                {"name": "keep the result",
                 "ansible.builtin.copy": {"content": "{{ r | to_json }}", "dest": str(out)},
                 "check_mode": False},
            ],
        }]
        pb = tmp_path / ("play-%d.yml" % counter[0])
        pb.write_text(yaml.safe_dump(play, sort_keys=False))
        inv = tmp_path / "inventory.ini"
        inv.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                       % (servers.ROOT / ".venv" / "bin" / "python"))
        proc = playbook(pb, inv, *(["--check"] if check else []), env=env)
        assert out.exists(), proc.stdout[-4000:]
        result = json.loads(out.read_text())
        result["_stdout"] = proc.stdout
        return result
    return run


# ----------------------------------------------------------------------------------------------- iptables
@contextlib.contextmanager
def dropped_ports(*ports):
    """iptables DROP rules for TCP SYNs to ``ports`` on loopback; always removed afterwards."""
    rules = [["INPUT", "-i", "lo", "-p", "tcp", "--dport", str(p), "-m", "comment", "--comment", DROP_COMMENT,
              "-j", "DROP"] for p in ports]
    added = []
    try:
        for rule in rules:
            subprocess.run(["iptables", "-I"] + rule, check=True)
            added.append(rule)
        yield
    finally:
        for rule in added:
            subprocess.run(["iptables", "-D"] + rule, check=False)


@pytest.fixture
def drop_port():
    """A loopback port with a listener behind an iptables DROP rule: connects time out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    with dropped_ports(port):
        yield port
    listener.close()


@pytest.fixture
def closed_port():
    return servers.free_port()


# ----------------------------------------------------------------------------------------------- TLS server
@dataclass
class TlsServer:
    port: int
    proc: subprocess.Popen


@pytest.fixture(scope="session")
def tls_servers(pki):
    """openssl s_server (with -www: it answers HTTP GETs) with a valid, an expired and a soon-expiring
    certificate, all signed by the test CA."""
    certs = {"valid": pki.issue("tls-valid"), "expired": pki.issue("tls-expired", days=-2),
             "soon": pki.issue("tls-soon", days=10)}
    started = {}
    try:
        for name, cert in certs.items():
            port = servers.free_port()
            proc = subprocess.Popen(["openssl", "s_server", "-quiet", "-www", "-accept", "127.0.0.1:%d" % port,
                                     "-cert", str(cert.cert_path), "-key", str(cert.key_path)],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started[name] = TlsServer(port, proc)
            servers.wait_port("127.0.0.1", port, proc=proc)
        yield started
    finally:
        for srv in started.values():
            servers.stop_process(srv.proc)


# --------------------------------------------------------------------------------------------------- Apache
APACHE_CONF = """
ServerRoot "/etc/apache2"
ServerName localhost
Listen 127.0.0.1:{port}
PidFile {root}/httpd.pid
ErrorLog {root}/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authn_file_module /usr/lib/apache2/modules/mod_authn_file.so
LoadModule auth_basic_module /usr/lib/apache2/modules/mod_auth_basic.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
DirectoryIndex index.html
DocumentRoot {root}/www
<Directory {root}/www>
  Require all granted
</Directory>
<Location /private>
  AuthType Basic
  AuthName "preflight test"
  AuthUserFile {root}/htpasswd
  Require valid-user
</Location>
"""


@dataclass
class Apache:
    port: int
    user: str
    password: str


@pytest.fixture(scope="session")
def apache():
    """A real Apache httpd on loopback: / and /private (Basic auth) serve files, anything else is 404."""
    root = servers.reachable_dir("preflight-apache-")
    (root / "www" / "private").mkdir(parents=True)
    (root / "www" / "index.html").write_text("hello\n")
    (root / "www" / "private" / "index.html").write_text("secret page\n")
    for d in (root / "www", root / "www" / "private"):
        d.chmod(0o755)
    subprocess.run(["htpasswd", "-cbB", str(root / "htpasswd"), "mcp", "dav-pass-123"], check=True,
                   capture_output=True)
    (root / "htpasswd").chmod(0o644)
    port = servers.free_port()
    (root / "httpd.conf").write_text(APACHE_CONF.format(port=port, root=root))
    proc = subprocess.Popen(["/usr/sbin/apache2", "-f", str(root / "httpd.conf"), "-DFOREGROUND"],
                            env=dict(os.environ, APACHE_RUN_DIR=str(root), APACHE_LOCK_DIR=str(root)),
                            stdout=subprocess.DEVNULL, stderr=open(root / "stderr.log", "w"))
    try:
        servers.wait_port("127.0.0.1", port, proc=proc)
    except Exception:
        servers.stop_process(proc)
        raise RuntimeError((root / "stderr.log").read_text() + (root / "error.log").read_text()
                           if (root / "error.log").exists() else "")
    yield Apache(port, "mcp", "dav-pass-123")
    servers.stop_process(proc)
    shutil.rmtree(root, ignore_errors=True)


# --------------------------------------------------------------------------------------------------- chrony
@dataclass
class Chronyd:
    workdir: Path
    socket_path: Path
    cmdport: int
    ntp_port: int | None
    proc: subprocess.Popen

    def chronyc(self, *args) -> str:
        return subprocess.run(["chronyc", "-h", str(self.socket_path), *args], capture_output=True, text=True,
                              check=False).stdout

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_chronyd(workdir: Path, serve: bool = False, upstream_port: int | None = None) -> Chronyd:
    """chronyd -x (no clock control: needs no CAP_SYS_TIME) with its own config, command socket (folder mode 0750)
    and UDP command port on 127.0.0.1. ``serve``: NTP server on a loopback port with a local reference;
    ``upstream_port``: sync from a chronyd serving there; neither: no source at all (never synchronises)."""
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o750)
    sock = workdir / "chronyd.sock"
    cmdport = free_udp_port()
    lines = ["cmdport %d" % cmdport, "bindcmdaddress 127.0.0.1", "bindcmdaddress %s" % sock,
             "pidfile %s" % (workdir / "chronyd.pid"), "driftfile %s" % (workdir / "drift")]
    ntp_port = None
    if serve:
        ntp_port = free_udp_port()
        lines += ["port %d" % ntp_port, "bindaddress 127.0.0.1", "allow 127.0.0.1", "local stratum 8"]
    else:
        lines += ["port 0"]
    if upstream_port:
        lines += ["server 127.0.0.1 port %d iburst minpoll -2 maxpoll -2" % upstream_port]
    (workdir / "chrony.conf").write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen(["chronyd", "-x", "-d", "-u", "root", "-f", str(workdir / "chrony.conf")],
                            stdout=open(workdir / "chronyd.log", "w"), stderr=subprocess.STDOUT)
    c = Chronyd(workdir, sock, cmdport, ntp_port, proc)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not sock.exists():
        if proc.poll() is not None:
            raise RuntimeError("chronyd exited: %s" % (workdir / "chronyd.log").read_text())
        time.sleep(0.05)
    return c


@pytest.fixture(scope="module")
def chrony(tmp_path_factory):
    """A chronyd serving NTP on loopback, a second one synchronised from it, and a third one with no source."""
    base = tmp_path_factory.mktemp("chrony")
    started = []
    try:
        server = start_chronyd(base / "server", serve=True)
        started.append(server)
        synced = start_chronyd(base / "synced", upstream_port=server.ntp_port)
        started.append(synced)
        unsynced = start_chronyd(base / "unsynced")
        started.append(unsynced)
        deadline = time.monotonic() + 30
        while True:
            out = synced.chronyc("-c", "tracking")
            if out and not out.startswith("00000000") and out.strip().endswith("Normal"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the second chronyd did not synchronise in 30 s: %r" % out)
            time.sleep(0.2)
        yield {"server": server, "synced": synced, "unsynced": unsynced}
    finally:
        for c in started:
            c.stop()
