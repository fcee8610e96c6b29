# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's container registry: Debian's ``docker-registry serve`` with TLS from a lab CA and htpasswd auth.

Used by the lab and by the tests (``start_registry()``), and from the command line::

    python3 lab/registry/registry.py start --dir /tmp/lab-registry --port 5000   # prints JSON: address, ca, user...
    python3 lab/registry/registry.py stop --dir /tmp/lab-registry

The password comes from ``$LAB_REGISTRY_PASSWORD`` or is generated and kept in ``<dir>/password`` (mode 0600).
The CA is made with ``openssl`` unless a certificate and key are given; Docker nodes trust it through
``/etc/docker/certs.d/<address>/ca.crt``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import ssl
import string
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "config.yml.in"
REGISTRY_BIN = "docker-registry"


@dataclass
class Registry:
    """A running registry: ``address`` is host:port, ``ca_path`` the CA that signed its certificate."""

    host: str
    port: int
    username: str
    password: str
    ca_path: Path
    workdir: Path
    proc: subprocess.Popen | None
    pid: int

    @property
    def address(self) -> str:
        return "%s:%d" % (self.host, self.port)

    def stop(self) -> None:
        stop_pid(self.pid, self.proc)

    def restart(self) -> None:
        """Start the same registry again (same storage, port and credentials) after ``stop()``."""
        self.proc = _spawn(self.workdir)
        self.pid = self.proc.pid
        _wait_ready(self.host, self.port, self.ca_path, self.proc)


def stop_pid(pid: int, proc: subprocess.Popen | None = None, timeout: float = 10.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None:
            if proc.poll() is not None:
                return
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if proc is not None:
        proc.wait(5)


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def make_ca(workdir: Path, host: str) -> tuple[Path, Path, Path]:
    """A lab CA and a server certificate for ``host`` (plus localhost/127.0.0.1); returns (ca, cert, key)."""
    pki = workdir / "pki"
    pki.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = pki / "ca.key", pki / "ca.crt"
    key, csr, crt, ext = pki / "registry.key", pki / "registry.csr", pki / "registry.crt", pki / "registry.ext"

    def run(*argv):
        subprocess.run(argv, check=True, capture_output=True)
    if not ca_crt.exists():
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", str(ca_key), "-out", str(ca_crt), "-days", "3650", "-subj", "/CN=engage-exec lab CA")
    sans = {"DNS:localhost", "IP:127.0.0.1"}
    try:
        import ipaddress
        ipaddress.ip_address(host)
        sans.add("IP:%s" % host)
    except ValueError:
        sans.add("DNS:%s" % host)
    ext.write_text("basicConstraints=CA:FALSE\nsubjectAltName=%s\n" % ",".join(sorted(sans)))
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
        "-out", str(csr), "-subj", "/CN=%s" % host)
    run("openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(crt), "-days", "825", "-extfile", str(ext))
    for p in (ca_key, key):
        p.chmod(0o600)
    return ca_crt, crt, key


def _spawn(workdir: Path) -> subprocess.Popen:
    log = open(workdir / "registry.log", "a")  # pylint: disable=consider-using-with
    proc = subprocess.Popen([REGISTRY_BIN, "serve", str(workdir / "config.yml")], stdout=log,
                            stderr=subprocess.STDOUT, cwd=str(workdir), start_new_session=True)
    (workdir / "registry.pid").write_text("%d\n" % proc.pid)
    return proc


def _wait_ready(host: str, port: int, ca_path: Path, proc: subprocess.Popen | None, timeout: float = 20.0):
    ctx = ssl.create_default_context(cafile=str(ca_path))
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("docker-registry exited with %s; see its log" % proc.returncode)
        try:
            with socket.create_connection((host, port), timeout=1) as raw:
                with ctx.wrap_socket(raw, server_hostname=host):
                    return
        except OSError as exc:
            last = exc
            time.sleep(0.1)
    raise TimeoutError("registry on %s:%d not ready after %.0f s: %s" % (host, port, timeout, last))


def start_registry(workdir: Path, host: str = "127.0.0.1", port: int | None = None, username: str = "exec",
                   password: str | None = None, cert: Path | None = None, key: Path | None = None,
                   ca_path: Path | None = None) -> Registry:
    """Start a registry serving TLS with htpasswd (bcrypt) auth; storage and config live in ``workdir``."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    if cert is None or key is None:
        ca_path, cert, key = make_ca(workdir, host)
    elif ca_path is None:
        raise ValueError("ca_path is required with cert and key")
    if password is None:
        pw_file = workdir / "password"
        if pw_file.exists():
            password = pw_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(18)
            pw_file.write_text(password + "\n")
            pw_file.chmod(0o600)
    port = port or _free_port(host)
    htpasswd = workdir / "htpasswd"
    subprocess.run(["htpasswd", "-B", "-b", "-c", "-C", "5", str(htpasswd), username, password], check=True,
                   capture_output=True)
    htpasswd.chmod(0o600)
    storage = workdir / "storage"
    storage.mkdir(exist_ok=True)
    config = string.Template(TEMPLATE.read_text()).substitute(
        storage=storage, addr="%s:%d" % (host, port), secret=secrets.token_hex(16), cert=cert, key=key,
        realm="engage-exec-lab-registry", htpasswd=htpasswd)
    (workdir / "config.yml").write_text(config)
    (workdir / "config.yml").chmod(0o600)
    proc = _spawn(workdir)
    try:
        _wait_ready(host, port, Path(ca_path), proc)
    except Exception:
        stop_pid(proc.pid, proc)
        raise
    info = {"address": "%s:%d" % (host, port), "host": host, "port": port, "username": username,
            "ca_path": str(ca_path), "pid": proc.pid, "workdir": str(workdir)}
    (workdir / "registry.json").write_text(json.dumps(info, indent=2) + "\n")
    return Registry(host, port, username, password, Path(ca_path), workdir, proc, proc.pid)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_start = sub.add_parser("start", help="start the registry (in the background) and print its address as JSON")
    p_start.add_argument("--dir", required=True, type=Path)
    p_start.add_argument("--host", default="127.0.0.1")
    p_start.add_argument("--port", type=int, default=None)
    p_start.add_argument("--user", default="exec")
    p_stop = sub.add_parser("stop", help="stop the registry started with this --dir")
    p_stop.add_argument("--dir", required=True, type=Path)
    args = parser.parse_args(argv)
    if args.cmd == "start":
        reg = start_registry(args.dir, host=args.host, port=args.port, username=args.user,
                             password=os.environ.get("LAB_REGISTRY_PASSWORD") or None)
        print((args.dir.resolve() / "registry.json").read_text(), end="")
        del reg  # keeps running in its own session
        return 0
    pid_file = args.dir / "registry.pid"
    if pid_file.exists():
        stop_pid(int(pid_file.read_text()))
        pid_file.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
