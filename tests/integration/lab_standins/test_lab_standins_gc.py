# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The GC API stand-in: OAuth client credentials over HTTPS and the recording-injection endpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import socket

import pytest
import requests

from lab_standins_helpers import GC_CLIENT

INJECT = "/api/v2/recording/injections"


def token(gc_api, client=GC_CLIENT, grant="client_credentials"):
    return requests.post(gc_api.login_url + "/oauth/token", data={"grant_type": grant}, auth=client,
                         verify=gc_api.ca, timeout=10)


def inject(gc_api, bearer, recording_id, content, metadata=None, sha=None):
    headers = {"X-Recording-Id": recording_id, "X-Recording-Sha256": sha or hashlib.sha256(content).hexdigest(),
               "X-Recording-Metadata": base64.b64encode(json.dumps(metadata or {"recording_id": recording_id})
                                                        .encode()).decode(),
               "Content-Type": "application/octet-stream"}
    if bearer:
        headers["Authorization"] = "Bearer " + bearer
    return requests.post(gc_api.url + INJECT, data=content, headers=headers, verify=gc_api.ca, timeout=10)


@pytest.fixture(autouse=True)
def _clean(gc_api):
    gc_api.reset()


def test_serves_https_with_a_certificate_from_the_given_ca(gc_api):
    context = ssl.create_default_context(cafile=gc_api.ca)
    with socket.create_connection(("127.0.0.1", gc_api.port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.getpeercert()["subject"] == ((("commonName", "gc-api"),),)
    with pytest.raises(requests.exceptions.SSLError):  # an untrusted client must not accept it
        requests.get(gc_api.url + "/health", timeout=5)


def test_oauth_client_credentials_good_secret_gets_a_bearer_token(gc_api):
    answer = token(gc_api)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0 and len(body["access_token"]) > 20


def test_oauth_wrong_secret_unknown_client_and_wrong_grant_are_refused(gc_api):
    assert token(gc_api, (GC_CLIENT[0], "wrong")).status_code == 401
    assert token(gc_api, ("nobody", GC_CLIENT[1])).status_code == 401
    assert token(gc_api, grant="password").status_code == 400
    assert requests.post(gc_api.login_url + "/oauth/token", data={"grant_type": "client_credentials"},
                         verify=gc_api.ca, timeout=10).status_code == 401


def test_tokens_only_on_the_login_host_and_the_api_only_on_the_other_names(gc_api):
    """Genesys Cloud: login.<region> issues tokens, api.<region> serves the API. A client that asks the API host for
    a token (or sends an API call to the login host) gets 404, as it would at a site."""
    wrong = requests.post(gc_api.url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=GC_CLIENT,
                          verify=gc_api.ca, timeout=10)
    assert wrong.status_code == 404 and "login host localhost" in wrong.json()["error"], wrong.text
    bearer = token(gc_api).json()["access_token"]
    on_login = requests.post(gc_api.login_url + INJECT, data=b"abc", verify=gc_api.ca, timeout=10,
                             headers={"Authorization": "Bearer " + bearer, "X-Recording-Id": "r-login",
                                      "X-Recording-Sha256": hashlib.sha256(b"abc").hexdigest(),
                                      "X-Recording-Metadata": base64.b64encode(b"{}").decode()})
    assert on_login.status_code == 404 and "API host" in on_login.json()["error"], on_login.text
    assert inject(gc_api, bearer, "r-api", b"abc").status_code == 201
    assert set(gc_api.recordings()) == {"r-api"}


def test_exrp_given_the_api_host_as_login_host_cannot_inject(standins):
    """The EXRP stand-in asks GC_LOGIN_HOST for its token: set to the API host, it fails naming GC_LOGIN_HOST."""
    put = requests.put(standins.dav.url + "/wrong-login.wav", data=b"abc",
                       auth=(standins.dav.user, standins.dav.password), timeout=10)
    assert put.status_code in (201, 204)
    exrp = standins.start("EXRP", "exrp-wrong-login", GC_LOGIN_HOST=standins.gc.host)
    answer = requests.post(exrp.url + "/api/v1/recordings", json={"recording_id": "wrong-login",
                                                                  "media_path": "wrong-login.wav"}, timeout=30)
    assert answer.status_code == 502, answer.text
    assert "HTTP 404" in answer.json()["error"] and "GC_LOGIN_HOST" in answer.json()["error"], answer.text
    assert standins.gc.recordings() == {}
    good = standins.start("EXRP", "exrp-right-login")
    answer = requests.post(good.url + "/api/v1/recordings",
                           json={"recording_id": "wrong-login", "media_path": "wrong-login.wav"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert set(standins.gc.recordings()) == {"wrong-login"}


def test_injection_needs_a_valid_token(gc_api):
    assert inject(gc_api, None, "r-1", b"abc").status_code == 401
    assert inject(gc_api, "made-up-token", "r-1", b"abc").status_code == 401
    assert gc_api.recordings() == {}


def test_injection_stores_bytes_metadata_and_sha256(gc_api):
    bearer = token(gc_api).json()["access_token"]
    content = b"RIFF" + bytes(range(256)) * 40
    metadata = {"recording_id": "rec-42", "call_id": "c-1", "ani": "+15550001"}
    answer = inject(gc_api, bearer, "rec-42", content, metadata)
    assert answer.status_code == 201, answer.text
    stored = gc_api.recordings()["rec-42"]
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    assert stored["metadata"] == metadata and stored["size"] == len(content)
    assert stored["client_id"] == GC_CLIENT[0]
    body = requests.get(gc_api.url + "/lab/recordings/rec-42/content", verify=gc_api.ca, timeout=10).content
    assert body == content


def test_injection_checks_sha256_and_keeps_one_copy_per_recording(gc_api):
    bearer = token(gc_api).json()["access_token"]
    bad = inject(gc_api, bearer, "rec-7", b"payload", sha="0" * 64)
    assert bad.status_code == 422 and "mismatch" in bad.text
    assert "rec-7" not in gc_api.recordings()
    assert inject(gc_api, bearer, "rec-7", b"payload").status_code == 201
    again = inject(gc_api, bearer, "rec-7", b"payload")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert inject(gc_api, bearer, "rec-7", b"other bytes").status_code == 409
    stored = gc_api.recordings()
    assert len(stored) == 1 and stored["rec-7"]["injections"] == 2


def test_metrics_count_tokens_and_injections(gc_api):
    token(gc_api, (GC_CLIENT[0], "wrong"))
    text = requests.get(gc_api.url + "/metrics", verify=gc_api.ca, timeout=10).text
    assert '# TYPE gc_oauth_tokens_total counter' in text
    assert 'gc_oauth_tokens_total{result="invalid_client"}' in text
