# SPDX-License-Identifier: GPL-3.0-or-later
"""Real services for the integration tests, started on loopback in temporary directories.

Every server here is the distribution's own daemon (PostgreSQL, Redis, ...), never a mock. Each helper returns an
object with the address to use and a ``stop()``; the pytest fixtures in conftest.py wrap them.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
# ENGAGE_EXEC_ANSIBLE_BIN runs the playbooks with another ansible-core (hack/oldest-core.sh: .venv-core217/bin).
ANSIBLE_BIN = Path(os.environ.get("ENGAGE_EXEC_ANSIBLE_BIN") or VENV_BIN)
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server this test run started: SIGTERM, then SIGKILL when it has not exited within ``timeout``."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def reachable_dir(prefix: str) -> Path:
    """A new temporary folder that daemons dropping privileges (postgres, www-data) can enter: pytest's own
    temporary root is 0700, root only. The caller removes it."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def wait_port(host: str, port: int, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited with %s before listening on %s:%s" % (proc.returncode, host, port))
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("nothing listens on %s:%s after %.0f s" % (host, port, timeout))


# ----------------------------------------------------------------------------------------- module runner
def module_popen(module: str, args: dict, workdir: Path, check_mode: bool = False, diff: bool = True,
                 env: dict | None = None) -> subprocess.Popen:
    """Start plugins/modules/<module>.py the way AnsiballZ runs it (a JSON file of ANSIBLE_MODULE_ARGS), with the
    checkout's collections on PYTHONPATH; stdout is the module's JSON result."""
    tmpdir = Path(workdir) / ("mod-" + uuid.uuid4().hex[:6])
    tmpdir.mkdir(parents=True)
    full = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_tmpdir=str(tmpdir),
                _ansible_remote_tmp=str(tmpdir), _ansible_keep_remote_files=False)
    argfile = tmpdir / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": full}))
    python = ROOT / ".venv" / "bin" / "python"
    full_env = dict(os.environ, PYTHONPATH=str(ROOT / ".cache" / "collections"))
    full_env.update(env or {})
    return subprocess.Popen([str(python), str(ROOT / "plugins" / "modules" / (module + ".py")), str(argfile)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env)


def module_result(proc: subprocess.Popen, timeout: float = 300) -> dict:
    """The JSON result of a module started by ``module_popen`` (``_stdout``: everything it printed)."""
    out, err = proc.communicate(timeout=timeout)
    try:
        result = json.loads(out)
    except ValueError:
        raise AssertionError("module printed no JSON (rc %s):\n%s\n%s" % (proc.returncode, out, err)) from None
    result["_stdout"] = out + err
    return result


# --------------------------------------------------------------------------------------------------- PKI
@dataclass
class Cert:
    cert_path: Path
    key_path: Path
    cert: x509.Certificate


@dataclass
class PKI:
    """A throwaway certificate authority; ``issue()`` makes server certificates signed by it."""

    root: Path
    ca: Cert = field(init=False)

    def __post_init__(self):
        self.root.mkdir(parents=True, exist_ok=True)
        self.ca = self._make("engage-exec test CA", ca=True)

    @property
    def ca_path(self) -> Path:
        return self.ca.cert_path

    def issue(self, name: str, sans=("localhost", "127.0.0.1"), days: int = 365, not_before_days: int = -1,
              signer: Cert | None = None) -> Cert:
        """A server certificate for ``sans``; negative ``days`` gives one that has already expired."""
        return self._make(name, sans=sans, days=days, not_before_days=not_before_days, signer=signer or self.ca)

    def _make(self, name, ca=False, sans=(), days=3650, not_before_days=-1, signer=None) -> Cert:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        issuer = signer.cert.subject if signer else subject
        sign_key = serialization.load_pem_private_key(signer.key_path.read_bytes(), None) if signer else key
        start = now + datetime.timedelta(days=not_before_days)
        end = now + datetime.timedelta(days=days)
        if end <= start:
            start = end - datetime.timedelta(days=30)
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if sans:
            alt = []
            for s in sans:
                try:
                    alt.append(x509.IPAddress(ipaddress.ip_address(s)))
                except ValueError:
                    alt.append(x509.DNSName(s))
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        cert = builder.sign(sign_key, hashes.SHA256())
        safe = name.replace(" ", "_")
        cert_path, key_path = self.root / (safe + ".crt"), self.root / (safe + ".key")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        key_path.chmod(0o600)
        return Cert(cert_path, key_path, cert)


# ------------------------------------------------------------------------------------------------ PostgreSQL
@dataclass
class Postgres:
    host: str
    port: int
    user: str
    password: str
    datadir: Path
    ssl: bool
    proc: subprocess.Popen

    def dsn(self, dbname: str = "postgres", **extra) -> str:
        parts = {"host": self.host, "port": self.port, "user": self.user, "password": self.password,
                 "dbname": dbname, "connect_timeout": 5}
        parts.update(extra)
        return " ".join("%s=%s" % kv for kv in parts.items())

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        env = dict(os.environ, PGPASSWORD=self.password)
        return subprocess.run(["psql", "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", dbname,
                               "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], env=env, check=True,
                              capture_output=True, text=True).stdout

    def stop(self) -> None:
        stop_process(self.proc, 15)
        shutil.rmtree(self.datadir, ignore_errors=True)


def _as_postgres_user():
    pw = pwd.getpwnam("postgres")

    def demote():
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return demote if os.getuid() == 0 else None


def start_postgres(workdir: Path, cert: Cert | None = None, password: str = "pg-secret-4711") -> Postgres:
    """A real PostgreSQL 15 on 127.0.0.1 (TLS when ``cert`` is given), superuser ``tester``/``password``."""
    workdir.mkdir(parents=True, exist_ok=True)
    datadir = workdir / "pgdata"
    demote = _as_postgres_user()
    if demote:
        pw = pwd.getpwnam("postgres")
        os.chown(workdir, pw.pw_uid, pw.pw_gid)
    pwfile = workdir / "pwfile"
    pwfile.write_text(password + "\n")
    if demote:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    subprocess.run([str(PG_BIN / "initdb"), "-D", str(datadir), "-U", "tester", "--pwfile", str(pwfile),
                    "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"], check=True, capture_output=True,
                   preexec_fn=demote, cwd="/")
    port = free_port()
    conf = ["listen_addresses = '127.0.0.1'", "port = %d" % port, "unix_socket_directories = '%s'" % workdir,
            "fsync = off", "synchronous_commit = off", "full_page_writes = off"]
    if cert:
        for src, dst in ((cert.cert_path, "server.crt"), (cert.key_path, "server.key")):
            shutil.copy(src, datadir / dst)
            os.chmod(datadir / dst, 0o600)
            if demote:
                os.chown(datadir / dst, pwd.getpwnam("postgres").pw_uid, -1)
        conf += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
    with open(datadir / "postgresql.conf", "a") as f:
        f.write("\n".join(conf) + "\n")
    log = open(workdir / "postgres.log", "w")
    proc = subprocess.Popen([str(PG_BIN / "postgres"), "-D", str(datadir)], stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=demote, cwd="/")
    wait_port("127.0.0.1", port, proc=proc)
    pg = Postgres("127.0.0.1", port, "tester", password, workdir, bool(cert), proc)
    for dummy in range(100):  # listening is not yet accepting logins
        try:
            pg.psql("select 1")
            break
        except subprocess.CalledProcessError:
            time.sleep(0.1)
    return pg


# ----------------------------------------------------------------------------------------------------- Redis
@dataclass
class Redis:
    host: str
    port: int
    password: str | None
    proc: subprocess.Popen
    tls_port: int | None = None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def start_redis(workdir: Path, password: str | None = "redis-secret-0815", cert: Cert | None = None,
                ca: Path | None = None) -> Redis:
    """A real redis-server on 127.0.0.1, with ``requirepass`` and optionally a TLS port."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(workdir)]
    if password:
        args += ["--requirepass", password]
    tls_port = None
    if cert:
        tls_port = free_port()
        args += ["--tls-port", str(tls_port), "--tls-cert-file", str(cert.cert_path), "--tls-key-file",
                 str(cert.key_path), "--tls-auth-clients", "no"]
        if ca:
            args += ["--tls-ca-cert-file", str(ca)]
    log = open(workdir / "redis.log", "w")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    wait_port("127.0.0.1", port, proc=proc)
    return Redis("127.0.0.1", port, password, proc, tls_port)


def run_playbook(playbook, inventory, *args, extra_vars=None, env=None, check=False):
    """Run ansible-playbook from the checkout; returns the CompletedProcess (stdout+stderr in .stdout)."""
    cmd = [str(ANSIBLE_BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), *args]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    full_env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
                    ANSIBLE_NOCOLOR="1", PATH="%s:%s" % (ANSIBLE_BIN, os.environ.get("PATH", "")))
    full_env.update(env or {})
    proc = subprocess.run(cmd, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    if check and proc.returncode != 0:
        raise AssertionError("ansible-playbook failed (%d):\n%s" % (proc.returncode, proc.stdout[-6000:]))
    return proc
