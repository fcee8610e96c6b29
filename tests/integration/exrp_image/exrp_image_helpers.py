# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the exrp_image tests (imported by their conftest.py)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import importlib.util
import os
import ssl
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import requests

import servers

ROOT = servers.ROOT
PYTHON = str(ROOT / ".venv" / "bin" / "python")
LABEL = "engage-exec-test=1"


@functools.lru_cache(maxsize=None)
def registry_mod():
    """lab/registry/registry.py, the same helper the lab uses."""
    spec = importlib.util.spec_from_file_location("lab_registry", ROOT / "lab" / "registry" / "registry.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["lab_registry"] = mod
    spec.loader.exec_module(mod)
    return mod


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def docker(*args, check=True, **kw):
    return subprocess.run(["docker", *args], check=check, capture_output=True, text=kw.pop("text", True), **kw)


def image_exists(ref: str) -> bool:
    return docker("image", "inspect", ref, check=False).returncode == 0


def remove_local_images(registry_address: str) -> None:
    """Every local image named after this registry (tagged or not) or made by ArchiveFactory."""
    rows = docker("images", "--format", "{{.Repository}} {{.ID}}", check=False).stdout.splitlines()
    ids = {row.split()[1] for row in rows if len(row.split()) == 2
           and (row.startswith(registry_address + "/") or row.startswith("exrp-test-"))}
    if ids:
        docker("rmi", "-f", *sorted(ids), check=False)


class ArchiveFactory:
    """Stand-in EXRP images (``docker import`` of a small tree) saved as real docker-save archives."""

    def __init__(self, root: Path):
        self.root = root
        self.names = []

    def image(self, content: str, random_mb: int = 0) -> tuple[str, str]:
        """Import a one-layer image; returns (name:tag, image id)."""
        tree = self.root / ("tree-" + uuid.uuid4().hex[:8])
        (tree / "opt" / "exrp").mkdir(parents=True)
        (tree / "opt" / "exrp" / "payload").write_text(content)
        if random_mb:
            with open(tree / "opt" / "exrp" / "blob", "wb") as f:
                for _mb in range(random_mb):
                    f.write(os.urandom(1 << 20))
        name = "exrp-test-%s:latest" % uuid.uuid4().hex[:10]
        tar = subprocess.Popen(["tar", "-C", str(tree), "-c", "."], stdout=subprocess.PIPE)
        out = subprocess.run(["docker", "import", "-c", "LABEL engage-exec-test=1", "-", name], stdin=tar.stdout,
                             check=True, capture_output=True, text=True).stdout.strip()
        tar.wait()
        subprocess.run(["rm", "-rf", str(tree)], check=True)
        self.names.append(name)
        return name, out

    def make(self, version: str, content: str | None = None, random_mb: int = 0, gzip: bool = True,
             extra_images: int = 0, keep_local: bool = False, subdir: str | None = None) -> dict:
        """exrp-<version>.tgz holding one new image (or 1 + extra_images); the local image is removed after saving
        unless keep_local, so that a test can tell whether the module loaded it."""
        refs, ids = [], []
        for i in range(1 + extra_images):
            ref, image_id = self.image((content or uuid.uuid4().hex) + ("-%d" % i if i else ""), random_mb)
            refs.append(ref)
            ids.append(image_id)
        folder = self.root / (subdir or uuid.uuid4().hex[:8])
        folder.mkdir(exist_ok=True)
        path = folder / ("exrp-%s.%s" % (version, "tgz" if gzip else "tar"))
        cmd = "docker save %s %s > %s" % (" ".join(refs), "| gzip -1" if gzip else "", path)
        subprocess.run(["bash", "-o", "pipefail", "-c", cmd], check=True)
        if not keep_local:
            docker("rmi", *refs)
        return {"path": path, "checksum": sha256_file(path), "image_id": ids[0], "refs": refs}

    def cleanup(self):
        if self.names:
            docker("rmi", "-f", *self.names, check=False)


class ModuleRunner:
    """Runs plugins/modules/exrp_image.py the way AnsiballZ does (a JSON file of ANSIBLE_MODULE_ARGS)."""

    def __init__(self, registry, tmp_path: Path):
        self.registry = registry
        self.tmp = tmp_path

    def base_args(self, **kw) -> dict:
        args = {"registry": self.registry.address, "registry_username": self.registry.username,
                "scan_cache_dir": str(self.tmp / "scan-cache"),
                "registry_password": self.registry.password, "ca_path": str(self.registry.ca_path)}
        args.update(kw)
        return {k: v for k, v in args.items() if v is not None}

    def popen(self, check_mode=False, **kw) -> subprocess.Popen:
        return servers.module_popen("exrp_image", self.base_args(**kw), self.tmp, check_mode=check_mode)

    def run(self, check_mode=False, **kw) -> dict:
        return servers.module_result(self.popen(check_mode=check_mode, **kw))


def registry_manifest(registry, tag: str, repository: str = "exec/exrp"):
    """What the registry serves for the tag: (manifest digest, config digest) or None."""
    r = requests.get("https://%s/v2/%s/manifests/%s" % (registry.address, repository, tag),
                     headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
                     auth=(registry.username, registry.password), verify=str(registry.ca_path), timeout=10)
    if r.status_code == 404:
        return None
    r.raise_for_status()
    return r.headers["Docker-Content-Digest"], r.json()["config"]["digest"]


def registry_tags(registry, repository: str = "exec/exrp") -> list:
    r = requests.get("https://%s/v2/%s/tags/list" % (registry.address, repository),
                     auth=(registry.username, registry.password), verify=str(registry.ca_path), timeout=10)
    if r.status_code == 404:
        return []
    r.raise_for_status()
    return sorted(r.json().get("tags") or [])


class HTTPSServer:
    """python's http.server over TLS (certificate from the test CA), serving one directory, on 127.0.0.1."""

    def __init__(self, directory: Path, cert):
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert.cert_path), str(cert.key_path))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return "https://127.0.0.1:%d/%s" % (self.port, name)

    def gets(self, name: str) -> int:
        return sum(1 for p in _QuietHandler.requests_seen if p == "/" + name)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests_seen: list = []  # paths of the GET requests, for tests that count downloads

    def do_GET(self):  # noqa: N802 - http.server's naming
        _QuietHandler.requests_seen.append(self.path)
        super().do_GET()

    def log_message(self, *args):  # noqa: D401 - keep pytest output clean
        pass


class FTPServer:
    """pyftpdlib (Debian's python3-pyftpdlib) on 127.0.0.1 with one user, serving one directory."""

    def __init__(self, directory: Path, user: str, password: str):
        self.port = servers.free_port()
        self.user, self.password = user, password
        self.log = open(directory.parent / ("ftp-%d.log" % self.port), "w")  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(["/usr/bin/python3", "-m", "pyftpdlib", "-i", "127.0.0.1", "-p",
                                      str(self.port), "-d", str(directory), "-u", user, "-P", password],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        servers.wait_port("127.0.0.1", self.port, proc=self.proc)

    def url(self, name: str) -> str:
        return "ftp://127.0.0.1:%d/%s" % (self.port, name)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()
