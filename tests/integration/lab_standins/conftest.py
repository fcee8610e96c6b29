# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the lab stand-in tests: the GC stand-in over HTTPS, a real Apache mod_dav, and a factory that starts
EXEC stand-ins (EXCS/EXAS/EXCP/EXRP) against the real Redis of the shared ``redis_server`` fixture."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent))

import lab_standins_helpers as helpers  # noqa: E402  pylint: disable=wrong-import-position
import servers  # noqa: E402  pylint: disable=wrong-import-position

GC_CLIENT = helpers.GC_CLIENT


class GcApi:
    def __init__(self, proc, ca_path):
        self.proc = proc
        self.ca = str(ca_path)
        self.port = proc.port
        # Two names of one server, as Genesys Cloud has api.<region> and login.<region>: the API on 127.0.0.1,
        # tokens only on localhost (GC_LOGIN_HOST).
        self.url = "https://127.0.0.1:%d" % proc.port
        self.host = "127.0.0.1:%d" % proc.port
        self.login_url = "https://localhost:%d" % proc.port
        self.login_host = "localhost:%d" % proc.port

    def recordings(self) -> dict:
        listing = requests.get(self.url + "/lab/recordings", verify=self.ca, timeout=10).json()
        return {r["recording_id"]: r for r in listing["recordings"]}

    def reset(self) -> None:
        requests.delete(self.url + "/lab/recordings", verify=self.ca, timeout=10).raise_for_status()


@pytest.fixture(scope="session")
def gc_api(tmp_path_factory, pki):
    """The GC stand-in over HTTPS with a certificate from the test CA, one OAuth client (GC_CLIENT), tokens on the
    login host name localhost only."""
    cert = pki.issue("gc-api", sans=("localhost", "127.0.0.1"))
    port = servers.free_port()
    proc = helpers.start_standin("gc_api.py", tmp_path_factory.mktemp("gc-api"), "gc-api", {
        "GC_LISTEN_HOST": "127.0.0.1", "GC_LISTEN_PORT": port, "GC_TLS_CERT_FILE": cert.cert_path,
        "GC_TLS_KEY_FILE": cert.key_path, "GC_OAUTH_CLIENTS": "%s:%s,other-client:other-secret" % GC_CLIENT,
        "GC_LOGIN_HOST": "localhost",
    }, port=port)
    yield GcApi(proc, pki.ca_path)
    proc.stop()


@pytest.fixture(scope="session")
def redis_tls(tmp_path_factory, pki):
    """Real Redis with a password and a TLS port (certificate from ``pki``)."""
    r = servers.start_redis(tmp_path_factory.mktemp("redis-tls"), cert=pki.issue("redis"), ca=pki.ca_path)
    yield r
    r.stop()


@pytest.fixture(scope="session")
def webdav():
    """Real Apache httpd + mod_dav on loopback, /recordings behind Basic auth."""
    dav = helpers.start_webdav()
    yield dav
    dav.stop()


@pytest.fixture
def standins(tmp_path, redis_server, gc_api, webdav):
    """``standins.start(service, name, **env)`` starts an EXEC stand-in process; all are stopped after the test.

    EXRP nodes get the WebDAV and GC settings; every service gets the Redis settings."""
    started = []
    gc_api.reset()

    class Factory:
        redis = redis_server
        gc = gc_api
        dav = webdav

        @staticmethod
        def env(service: str, name: str, **extra) -> dict:
            values = {"EXEC_SERVICE": service, "EXEC_LISTEN_HOST": "127.0.0.1", "EXEC_NODE_NAME": name,
                      "REDIS_HOST": redis_server.host, "REDIS_PORT": redis_server.port,
                      "REDIS_PASSWORD": redis_server.password}
            if service == "EXRP":
                values.update(WEBDAV_URL=webdav.url, WEBDAV_USERNAME=webdav.user, WEBDAV_PASSWORD=webdav.password,
                              GC_API_HOST=gc_api.host, GC_LOGIN_HOST=gc_api.login_host, GC_API_CA_FILE=gc_api.ca,
                              GC_CLIENT_ID=GC_CLIENT[0],
                              GC_CLIENT_SECRET=GC_CLIENT[1])
            values.update(extra)
            return values

        @staticmethod
        def start(service: str, name: str, **extra):
            port = servers.free_port()
            proc = helpers.start_standin("exec_service.py", tmp_path, name,
                                         Factory.env(service, name, EXEC_LISTEN_PORT=port, **extra), port=port)
            started.append(proc)
            return proc

        @staticmethod
        def engage_tcp(kind: str, name: str):
            port = servers.free_port()
            proc = helpers.start_standin("engage_tcp.py", tmp_path, name, {
                "ENGAGE_TCP_KIND": kind, "ENGAGE_TCP_NAME": name, "ENGAGE_TCP_HOST": "127.0.0.1",
                "ENGAGE_TCP_PORT": port}, port=port)
            started.append(proc)
            return proc

    yield Factory
    for proc in reversed(started):
        proc.stop()
