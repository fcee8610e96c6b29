# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""lab/images/build.sh: builds every stand-in image once (a second run changes nothing), writes a real
`docker save | gzip` EXRP archive that loads back as the same image, and the images run from an --env-file."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import subprocess
import tarfile
import time

import docker
import pytest
import requests

import lab_standins_helpers as helpers
import servers

BUILD = servers.ROOT / "lab" / "images" / "build.sh"
VERSION = "99.0.0.1"  # a version of this test's own, so that removing and reloading it disturbs nobody
EXRP_REF = "exec/exrp:" + VERSION
LABEL = {"engage-exec-test": "1"}


@pytest.fixture(scope="module")
def client():
    try:
        c = docker.from_env()
        c.ping()
    except docker.errors.DockerException as exc:
        pytest.fail("these tests need a working Docker engine (make docker): %s" % exc)
    return c


@pytest.fixture(scope="module")
def built(tmp_path_factory, client):
    out = tmp_path_factory.mktemp("lab-cache")
    env = dict(os.environ, LAB_CACHE_DIR=str(out), LAB_PKI_DIR=str(out / "pki"))
    started = time.monotonic()
    first = subprocess.run(["bash", str(BUILD), "--versions", VERSION], env=env, capture_output=True, text=True,
                           timeout=1200, check=False)
    assert first.returncode == 0, first.stderr[-4000:]
    yield {"out": out, "env": env, "first": first, "seconds": time.monotonic() - started}
    for container in client.containers.list(all=True, filters={"label": "engage-exec-test=1"}):
        if container.name.startswith("lab-standins-test-"):
            container.remove(force=True)
    try:
        client.images.remove(EXRP_REF, force=True)
    except docker.errors.ImageNotFound:
        pass


def run_container(name, image, env_file=None, args=(), volumes=()):
    cmd = ["docker", "run", "-d", "--name", name, "--label", "engage-exec-test=1"]
    if env_file:
        cmd += ["--env-file", str(env_file)]
    for volume in volumes:
        cmd += ["-v", volume]
    cmd += [image, *args]
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return name


def address(client, name):
    container = client.containers.get(name)
    return container.attrs["NetworkSettings"]["IPAddress"]


def test_build_makes_every_image_and_a_second_run_changes_nothing(built, client):
    summary = dict(line.split("=", 1) for line in (built["out"] / "images.env").read_text().splitlines()
                   if "=" in line)
    for key in ("LAB_IMAGE_EXCS", "LAB_IMAGE_EXAS", "LAB_IMAGE_EXCP", "LAB_IMAGE_GC_API", "LAB_IMAGE_ENGAGE_TCP",
                "LAB_IMAGE_MCP"):
        image = client.images.get(summary[key])
        assert image.labels.get("engage.lab.key"), key
    assert summary["LAB_EXRP_IMAGES"] == '"%s"' % EXRP_REF
    helped = subprocess.run(["docker", "run", "--rm", "--label", "engage-exec-test=1", summary["LAB_IMAGE_MCP"],
                             "run", "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0 and "--webdav-url" in helped.stdout and "--gc-url" in helped.stdout
    archive = built["out"] / ("exrp-%s.tgz" % VERSION)
    before = (archive.stat().st_mtime_ns, client.images.get(EXRP_REF).id)
    started = time.monotonic()
    again = subprocess.run(["bash", str(BUILD), "--versions", VERSION], env=built["env"], capture_output=True,
                           text=True, timeout=300, check=False)
    rerun = time.monotonic() - started
    assert again.returncode == 0, again.stderr
    assert "building" not in again.stderr and "docker save" not in again.stderr, again.stderr
    assert again.stderr.count("cached") == 9
    assert (archive.stat().st_mtime_ns, client.images.get(EXRP_REF).id) == before
    print("build.sh first run %.1f s, rerun %.1f s" % (built["seconds"], rerun))


def test_exrp_archive_is_a_docker_save_that_loads_back_as_the_same_image(built, client):
    archive = built["out"] / ("exrp-%s.tgz" % VERSION)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert (built["out"] / ("exrp-%s.tgz.sha256" % VERSION)).read_text().split() == [digest, archive.name]
    with tarfile.open(fileobj=gzip.open(archive)) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest[0]["RepoTags"] == [EXRP_REF]
    original = client.images.get(EXRP_REF)
    client.images.remove(EXRP_REF, force=True)
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get(EXRP_REF)
    with open(archive, "rb") as handle:
        loaded = client.images.load(handle.read())
    assert [i.id for i in loaded] == [original.id]
    image = client.images.get(EXRP_REF)
    assert image.attrs["Config"]["Env"].count("EXEC_VERSION=" + VERSION) == 1
    assert image.labels["org.opencontainers.image.version"] == VERSION


def test_exrp_image_runs_from_an_env_file_and_reports_its_version(built, tmp_path, client):
    env_file = helpers.write_env(tmp_path / "exrp.env", {
        "EXEC_NODE_NAME": "exrp-image-test", "REDIS_HOST": "127.0.0.1", "WEBDAV_URL": "http://webdav/recordings",
        "WEBDAV_USERNAME": "exrp", "WEBDAV_PASSWORD": "x", "GC_API_HOST": "gc-api", "GC_LOGIN_HOST": "gc-login",
        "GC_CLIENT_ID": "id",
        "GC_CLIENT_SECRET": "secret"})
    name = run_container("lab-standins-test-exrp", EXRP_REF, env_file)
    ip = address(client, name)
    health = helpers.wait_for(lambda: [_get("http://%s:3660/health" % ip)] if _get("http://%s:3660/health" % ip)
                              is not None else None, timeout=30, what="EXRP container port")[0]
    body = health.json()
    # Its Redis (127.0.0.1 inside the container) is not there: the health check says so, with the right identity.
    assert health.status_code == 503 and body["service"] == "EXRP" and body["version"] == VERSION
    assert body["node"] == "exrp-image-test" and body["checks"]["redis"] != "ok"
    metrics = requests.get("http://%s:3660/metrics" % ip, timeout=5).text
    assert 'exec_info{node="exrp-image-test",service="EXRP",version="%s"} 1' % VERSION in metrics
    assert_stops_promptly(client, name)


def assert_stops_promptly(client, name):
    """`docker stop` (SIGTERM to PID 1) ends the stand-in cleanly, well before docker's 10 s SIGKILL."""
    started = time.monotonic()
    subprocess.run(["docker", "stop", name], check=True, capture_output=True)
    assert time.monotonic() - started < 8
    assert client.containers.get(name).attrs["State"]["ExitCode"] == 0


def test_engage_tcp_and_gc_images_are_healthy(built, tmp_path, client):
    env_file = helpers.write_env(tmp_path / "engage.env", {
        "ENGAGE_TCP_LISTENERS": "statserver:2060:stat-primary,statserver:2061:stat-backup,sipserver:8000:sip-a"})
    sip = run_container("lab-standins-test-sip", "engage-lab/engage-tcp:lab", env_file)
    pki = built["out"] / "pki"
    gc_env = helpers.write_env(tmp_path / "gc.env", {"GC_OAUTH_CLIENTS": "lab:lab-secret"})
    gc = run_container("lab-standins-test-gc", "engage-lab/gc-api:lab", gc_env, volumes=(
        "%s:/etc/gc-api/tls/tls.crt:ro" % (pki / "gc-api.crt"), "%s:/etc/gc-api/tls/tls.key:ro" % (pki / "gc-api.key"),
        "%s:/etc/gc-api/tls/ca.crt:ro" % (pki / "ca.crt")))
    for name in (sip, gc):
        helpers.wait_for(lambda n=name: client.containers.get(n).attrs["State"].get("Health", {}).get("Status")
                         == "healthy", timeout=60, interval=1, what="%s healthy" % name)
    for port, greeting in ((8000, b"SIPSERVER sip-a ready"), (2061, b"STATSERVER stat-backup ready")):
        with socket.create_connection((address(client, sip), port), timeout=5) as conn:
            assert conn.makefile("rb").readline().strip() == greeting
    probe = ("import urllib.request, ssl, sys\n"
             "ctx = ssl.create_default_context(cafile='/etc/gc-api/tls/ca.crt')\n"
             "req = urllib.request.Request('https://gc-api/oauth/token', data=b'grant_type=client_credentials',"
             " headers={'Authorization': sys.argv[1]})\n"
             "try:\n    print(urllib.request.urlopen(req, context=ctx).status)\n"
             "except urllib.error.HTTPError as e:\n    print(e.code)\n")
    import base64  # pylint: disable=import-outside-toplevel
    for secret, expected in (("lab-secret", "200"), ("wrong", "401")):
        auth = "Basic " + base64.b64encode(("lab:" + secret).encode()).decode()
        result = subprocess.run(["docker", "exec", "--env", "no_proxy=*", gc, "sh", "-c",
                                 "echo 127.0.0.1 gc-api >> /etc/hosts; python3 -c \"$0\" \"$1\"", probe, auth],
                                capture_output=True, text=True, check=True)
        assert result.stdout.strip() == expected, result.stderr
    for name in (sip, gc):
        assert_stops_promptly(client, name)


def _get(url):
    try:
        return requests.get(url, timeout=3)
    except requests.RequestException:
        return None
