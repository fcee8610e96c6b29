# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the lab stand-in tests: run a stand-in as a local process from an env file, a real Apache httpd +
mod_dav on loopback, small HTTP calls."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

import servers

STANDINS = servers.ROOT / "lab" / "standins"
APACHE_MODULES = Path("/usr/lib/apache2/modules")
GC_CLIENT = ("exrp-lab-client", "gc-secret-2468")  # the OAuth client the GC stand-in knows in the tests


@dataclass
class Proc:
    name: str
    port: int
    proc: subprocess.Popen
    log: Path
    env_file: Path

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process dies mid-flight, as a crashed node would."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def write_env(path: Path, values: dict) -> Path:
    path.write_text("# written by the lab stand-in tests\n" + "".join("%s=%s\n" % kv for kv in values.items()))
    path.chmod(0o600)
    return path


def start_standin(script: str, workdir: Path, name: str, env: dict, port: int | None = None,
                  extra_args=(), wait: bool = True) -> Proc:
    """Start lab/standins/<script> with its settings in an env file (as `docker --env-file` would give them)."""
    workdir.mkdir(parents=True, exist_ok=True)
    env_file = write_env(workdir / (name + ".env"), env)
    log = workdir / (name + ".log")
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(("EXEC_", "GC_", "REDIS_", "WEBDAV_"))}
    with open(log, "w") as handle:
        proc = subprocess.Popen([sys.executable, str(STANDINS / script), "--env-file", str(env_file), *extra_args],
                                stdout=handle, stderr=subprocess.STDOUT, env=clean_env, cwd=str(workdir))
    standin = Proc(name, port or 0, proc, log, env_file)
    if wait and port:
        try:
            servers.wait_port("127.0.0.1", port, timeout=20, proc=proc)
        except Exception:
            standin.stop()
            raise RuntimeError("%s did not start:\n%s" % (name, standin.logs()))
    return standin


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %.0f s waiting for %s (last: %r)" % (timeout, what, last))


def metric(url: str, name: str, labels: dict | None = None) -> float:
    """One sample from a Prometheus text page (0 when absent)."""
    text = requests.get(url + "/metrics", timeout=5).text
    want = ",".join('%s="%s"' % kv for kv in sorted((labels or {}).items()))
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, value = line.rsplit(" ", 1)
        if series == name and not want or series == "%s{%s}" % (name, want):
            total += float(value)
    return total


# ---------------------------------------------------------------------------------------------- Apache DAV
@dataclass
class WebDav:
    url: str
    user: str
    password: str
    root: Path
    proc: subprocess.Popen

    def stop(self) -> None:
        servers.stop_process(self.proc, 15)
        shutil.rmtree(self.root, ignore_errors=True)


def start_webdav(user: str = "mcp", password: str = "dav-secret-1234") -> WebDav:
    """A real Apache httpd with mod_dav on 127.0.0.1 serving /recordings with Basic auth (the classic Genesys set-up).

    Its files live under /tmp (not pytest's 0700 tmp dirs) so that the www-data workers can reach them."""
    root = Path(tempfile.mkdtemp(prefix="lab-dav-", dir="/tmp"))
    root.chmod(0o755)
    data, locks = root / "recordings", root / "lock"
    data.mkdir()
    locks.mkdir()
    www = pwd.getpwnam("www-data")
    for path in (data, locks):
        os.chown(path, www.pw_uid, www.pw_gid)
    subprocess.run(["htpasswd", "-bcB", str(root / "htpasswd"), user, password], check=True, capture_output=True)
    (root / "htpasswd").chmod(0o644)
    port = servers.free_port()
    modules = ["mpm_event", "authn_core", "authn_file", "authz_core", "authz_user", "auth_basic", "alias", "dav",
               "dav_fs", "mime"]
    conf = ["ServerName 127.0.0.1", "Listen 127.0.0.1:%d" % port, "PidFile %s/httpd.pid" % root,
            "ErrorLog %s/error.log" % root, "LogLevel warn", "User www-data", "Group www-data",
            "TypesConfig /etc/mime.types", "DavLockDB %s/DavLock" % locks, "MaxRequestWorkers 64",
            "ThreadsPerChild 32", "ServerLimit 2"]
    conf += ["LoadModule %s_module %s/mod_%s.so" % (m, APACHE_MODULES, m) for m in modules]
    conf += ["Alias /recordings %s" % data,
             '<Directory "%s">' % data, "  Dav On", "  AuthType Basic", '  AuthName "recordings"',
             "  AuthUserFile %s/htpasswd" % root, "  Require valid-user", "</Directory>"]
    (root / "httpd.conf").write_text("\n".join(conf) + "\n")
    proc = subprocess.Popen(["apache2", "-f", str(root / "httpd.conf"), "-DFOREGROUND"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    try:
        servers.wait_port("127.0.0.1", port, proc=proc)
    except Exception:
        err = (root / "error.log").read_text() if (root / "error.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError("apache2 did not start: %s" % err)
    return WebDav("http://127.0.0.1:%d/recordings" % port, user, password, root, proc)


def run_driver(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(STANDINS / "mcp_driver.py"), *args], capture_output=True,
                          text=True, timeout=timeout, check=False)


def driver_summary(completed: subprocess.CompletedProcess) -> dict:
    """The --json summaries printed by the driver, merged: {"send": {...}, "verify": {...}}."""
    merged = {}
    for line in completed.stdout.splitlines():
        if line.startswith("{"):
            merged.update(json.loads(line))
    return merged


# ------------------------------------------------------------------------------------------------- HAProxy
@dataclass
class Balancer:
    url: str
    proc: subprocess.Popen
    root: Path

    def stop(self) -> None:
        servers.stop_process(self.proc, 10)
        shutil.rmtree(self.root, ignore_errors=True)


def start_haproxy(workdir: Path, backends) -> Balancer:
    """A real HAProxy on 127.0.0.1 in HTTP mode in front of ``backends`` (URLs), health-checking GET /health."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = servers.free_port()
    lines = ["global", "  maxconn 256", "defaults", "  mode http", "  timeout connect 2s", "  timeout client 60s",
             "  timeout server 60s", "frontend mcp_metadata", "  bind 127.0.0.1:%d" % port,
             "  default_backend excp", "backend excp", "  balance roundrobin", "  option httpchk GET /health"]
    for index, url in enumerate(backends):
        lines.append("  server excp%d %s check inter 1s" % (index + 1, url.split("//", 1)[1]))
    config = workdir / "haproxy.cfg"
    config.write_text("\n".join(lines) + "\n")
    subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], check=True)
    proc = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    servers.wait_port("127.0.0.1", port, proc=proc)
    return Balancer("http://127.0.0.1:%d" % port, proc, workdir)


class BlackHole:
    """A TCP listener that accepts connections and never answers: an EXRP node that hangs."""

    def __init__(self):
        import socket  # pylint: disable=import-outside-toplevel
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port

    def close(self) -> None:
        self.sock.close()
