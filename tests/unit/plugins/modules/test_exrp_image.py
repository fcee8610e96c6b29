# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module's argument handling and results (the registry is played by a fake session; the real registry and
Docker engine are exercised by tests/integration/exrp_image)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.engage_exec.recording.plugins.module_utils import _exrp_image, _registry
from ansible_collections.engage_exec.recording.plugins.modules import exrp_image


class _Exit(Exception):
    pass


class _Fail(Exception):
    pass


@pytest.fixture(autouse=True)
def _capture(monkeypatch):
    def exit_json(self, **kw):
        raise _Exit(kw)

    def fail_json(self, **kw):
        raise _Fail(kw)
    monkeypatch.setattr(exrp_image.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(exrp_image.AnsibleModule, "fail_json", fail_json)


def _archive(tmp_path, label="a"):
    cfg = json.dumps({"rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]}, "l": label}).encode()
    cid = hashlib.sha256(cfg).hexdigest()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (("l1/layer.tar", b"x" * 2048), (cid + ".json", cfg),
                           ("manifest.json", json.dumps([{"Config": cid + ".json", "Layers": ["l1/layer.tar"],
                                                          "RepoTags": ["exrp:1"]}]).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = tmp_path / "exrp-100.0.100.12.tgz"
    path.write_bytes(buf.getvalue())
    return path, "sha256:" + hashlib.sha256(buf.getvalue()).hexdigest(), "sha256:" + cid


class _Resp:
    def __init__(self, status, headers=None, body=b""):
        self.status_code, self.headers, self.content, self.reason = status, headers or {}, body, ""

    def json(self):
        return json.loads(self.content)


def _registry_with(monkeypatch, config_digest):
    manifest = json.dumps({"mediaType": _registry.MANIFEST_V2, "config": {"digest": config_digest},
                           "layers": []}).encode()
    calls = []

    class Session:
        def request(self, method, url, **kw):
            calls.append((method, url, kw.get("verify")))
            if url.endswith("/v2/"):
                return _Resp(200, {"Docker-Distribution-API-Version": "registry/2.0"})
            if config_digest is None:
                return _Resp(404)
            return _Resp(200, {"Docker-Content-Digest": "sha256:" + "e" * 64}, manifest)
    monkeypatch.setattr(_registry.load_requests(), "Session", Session)
    return calls


def _run(args):
    args = dict({"scan_cache_dir": ""}, **args)
    with patch_module_args(args):
        with pytest.raises((_Exit, _Fail)) as res:
            exrp_image.main()
    return res.type is _Exit, res.value.args[0]


def test_unchanged_archive_is_not_loaded(monkeypatch, tmp_path):
    path, checksum, image_id = _archive(tmp_path)
    calls = _registry_with(monkeypatch, image_id)
    monkeypatch.setattr(_exrp_image, "docker_client", lambda *a: pytest.fail("Docker must not be touched"))
    ok, res = _run({"src": str(path), "checksum": checksum, "registry": "reg.example:5000",
                    "registry_username": "u", "registry_password": "p", "ca_path": "/etc/ca.crt"})
    assert ok and res["changed"] is False and res["digest"] == "sha256:" + "e" * 64
    assert res["image"] == "reg.example:5000/exec/exrp:100.0.100.12" and res["image_id"] == image_id
    assert all(c[2] == "/etc/ca.crt" for c in calls)
    assert "diff" not in res


def test_check_mode_reports_push_without_docker(monkeypatch, tmp_path):
    path, checksum = _archive(tmp_path)[:2]
    _registry_with(monkeypatch, None)
    monkeypatch.setattr(_exrp_image, "docker_client", lambda *a: pytest.fail("Docker must not be touched"))
    ok, res = _run({"src": str(path), "checksum": checksum, "registry": "reg.example:5000",
                    "_ansible_check_mode": True, "_ansible_diff": True})
    assert ok and res["changed"] is True and res["pushed"] is False and res["digest"] is None
    assert res["diff"]["before"]["digest"] is None


def test_other_content_under_tag_refused(monkeypatch, tmp_path):
    path, checksum = _archive(tmp_path)[:2]
    _registry_with(monkeypatch, "sha256:" + "9" * 64)
    ok, res = _run({"src": str(path), "checksum": checksum, "registry": "reg.example:5000",
                    "registry_username": "u", "registry_password": "hunter2-secret"})
    assert not ok and "force: true" in res["msg"] and res["changed"] is False
    assert "hunter2-secret" not in res["msg"]


def test_env_fallback_for_registry(monkeypatch, tmp_path):
    path, checksum, image_id = _archive(tmp_path)
    _registry_with(monkeypatch, image_id)
    monkeypatch.setenv("EXEC_REGISTRY", "env-reg:5000")
    ok, res = _run({"src": str(path), "checksum": checksum})
    assert ok and res["image"].startswith("env-reg:5000/")


def test_credentials_required_together(tmp_path):
    ok, res = _run({"src": str(tmp_path / "exrp-1.tgz"), "registry": "r:1", "registry_username": "u"})
    assert not ok and "registry_password" in res["msg"]


def test_checksum_mismatch_wins_over_the_registry_answer(monkeypatch, tmp_path):
    # the registry is asked while the archive is read (read-only GETs), but the archive's verdict comes first
    path = _archive(tmp_path)[0]
    calls = _registry_with(monkeypatch, None)
    monkeypatch.setattr(_exrp_image, "docker_client", lambda *a: pytest.fail("Docker must not be touched"))
    ok, res = _run({"src": str(path), "checksum": "sha256:" + "1" * 64, "registry": "r:1"})
    assert not ok and "checksum mismatch" in res["msg"] and "Nothing was loaded or pushed" in res["msg"]
    assert all(c[0] == "GET" for c in calls)


@pytest.mark.parametrize("checksum_ok", [False, True])
def test_archive_errors_reported_before_registry_errors(monkeypatch, tmp_path, checksum_ok):
    path, checksum = _archive(tmp_path)[:2]
    if checksum_ok:
        path.write_bytes(b"not a docker-save archive" * 40)
        checksum = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    else:
        checksum = "sha256:" + "1" * 64

    class Down:
        def request(self, *a, **k):
            raise _registry.load_requests().exceptions.ConnectionError("Connection refused")
    monkeypatch.setattr(_registry.load_requests(), "Session", Down)
    ok, res = _run({"src": str(path), "checksum": checksum, "registry": "r:1"})
    assert not ok and "cannot connect" not in res["msg"]
    assert ("not a tar archive" if checksum_ok else "checksum mismatch") in res["msg"]
    # a good archive then reports the registry's error
    path, checksum = _archive(tmp_path)[:2]
    ok, res = _run({"src": str(path), "checksum": checksum, "registry": "r:1"})
    assert not ok and "cannot connect to the registry" in res["msg"] and "Nothing was loaded" in res["msg"]


def test_registry_asked_while_the_archive_is_read(monkeypatch, tmp_path):
    """The manifest request is sent before the archive has been read to its end (the hash is not waited for)."""
    path, checksum, image_id = _archive(tmp_path)
    calls = _registry_with(monkeypatch, image_id)
    events = []
    real_scan = _exrp_image.scan_archive

    def slow_scan(*a, **k):
        for _i in range(200):  # up to 2 s for the other thread to ask the registry
            if len(calls) >= 2:
                break
            threading.Event().wait(0.01)
        events.append(len(calls))
        return real_scan(*a, **k)
    monkeypatch.setattr(_exrp_image, "scan_archive", slow_scan)
    ok, res = _run({"src": str(path), "checksum": checksum, "registry": "r:1"})
    assert ok and res["changed"] is False and events == [2]


def test_check_mode_writes_no_scan_memo(monkeypatch, tmp_path):
    path, checksum, image_id = _archive(tmp_path)
    _registry_with(monkeypatch, None)
    memo = tmp_path / "memo"
    ok, res = _run({"src": str(path), "checksum": checksum, "registry": "r:1", "scan_cache_dir": str(memo),
                    "_ansible_check_mode": True})
    assert ok and res["changed"] and res["image_id"] == image_id
    assert not memo.exists()
