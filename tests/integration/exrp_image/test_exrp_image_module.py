# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exrp_image against a real registry (docker-registry, TLS + htpasswd) and the real Docker engine."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path


import exrp_image_helpers as h
import servers

HERE = Path(__file__).parent


def _play(playbook, registry, tmp_path, archive, check=False, force=False):
    result_file = tmp_path / ("result-%d.json" % time.monotonic_ns())
    extra = {"exrp_src": str(archive["path"]), "exrp_checksum": archive["checksum"],
             "exrp_registry": registry.address, "exrp_registry_username": registry.username,
             "exrp_registry_password": registry.password, "exrp_ca_path": str(registry.ca_path),
             "exrp_force": force, "exrp_result_file": str(result_file),
             "exrp_scan_cache_dir": str(tmp_path / "scan-cache"),
             "ansible_python_interpreter": h.PYTHON}
    args = ["--diff", "-v"] + (["--check"] if check else [])
    proc = playbook(HERE / "push.yml", "localhost,", *args, extra_vars=extra, check=True)
    assert registry.password not in proc.stdout
    return json.loads(result_file.read_text()), proc.stdout


def test_check_real_check_real(playbook, registry, archives, tmp_path):
    arc = archives.make("100.0.100.99")
    # 1. check mode: reports the push, changes nothing (not loaded, not pushed)
    res, out = _play(playbook, registry, tmp_path, arc, check=True)
    assert res["changed"] is True and res["pushed"] is False and res["digest"] is None
    assert res["image_id"] == arc["image_id"]
    assert h.registry_manifest(registry, "100.0.100.99") is None
    assert not h.image_exists(arc["image_id"])
    assert "changed=1" in out
    # 2. real: loaded, pushed, digest confirmed through the registry API
    res, out = _play(playbook, registry, tmp_path, arc)
    assert res["changed"] is True and res["loaded"] is True and res["pushed"] is True
    served = h.registry_manifest(registry, "100.0.100.99")
    assert served == (res["digest"], arc["image_id"])
    assert res["image"] == "%s/exec/exrp:100.0.100.99" % registry.address
    assert res["size"] > 0
    # 3. check again, 4. real again: no change, nothing loaded (the local image is removed to prove it)
    h.docker("rmi", "-f", arc["image_id"])
    assert len(list((tmp_path / "scan-cache").glob("*.json"))) == 1  # what the real run read, by content digest
    for check in (True, False):
        res, out = _play(playbook, registry, tmp_path, arc, check=check)
        assert res["changed"] is False and res["loaded"] is False and res["pushed"] is False
        assert res["digest"] == served[0]
        assert "changed=0" in out
    assert not h.image_exists(arc["image_id"])
    assert h.registry_manifest(registry, "100.0.100.99") == served


def test_new_version_pushes_new_tag_and_keeps_old(module_runner, registry, archives):
    old = archives.make("100.0.100.97", gzip=False)  # plain tar works as well as gzip
    first = module_runner.run(src=str(old["path"]), checksum=old["checksum"])
    assert first["changed"] and first["pushed"], first
    new = archives.make("100.0.100.98")
    second = module_runner.run(src=str(new["path"]), checksum=new["checksum"])
    assert second["changed"] and second["image"].endswith(":100.0.100.98")
    assert {"100.0.100.97", "100.0.100.98"} <= set(h.registry_tags(registry))
    assert h.registry_manifest(registry, "100.0.100.97") == (first["digest"], old["image_id"])
    assert h.registry_manifest(registry, "100.0.100.98") == (second["digest"], new["image_id"])


def test_same_tag_other_content_refused_then_forced(module_runner, registry, archives):
    one = archives.make("100.0.100.96")
    pushed = module_runner.run(src=str(one["path"]), checksum=one["checksum"])
    assert pushed["changed"]
    other = archives.make("100.0.100.96")
    refused = module_runner.run(src=str(other["path"]), checksum=other["checksum"])
    assert refused.get("failed") and "force" in refused["msg"] and "already exists" in refused["msg"]
    assert not h.image_exists(other["image_id"]), "refused, yet the archive was loaded"
    assert h.registry_manifest(registry, "100.0.100.96") == (pushed["digest"], one["image_id"])
    # check mode with force reports the replacement without doing it
    would = module_runner.run(check_mode=True, src=str(other["path"]), checksum=other["checksum"], force=True)
    assert would["changed"] and not would["pushed"]
    assert would["diff"]["before"]["config_digest"] == one["image_id"]
    assert h.registry_manifest(registry, "100.0.100.96") == (pushed["digest"], one["image_id"])
    forced = module_runner.run(src=str(other["path"]), checksum=other["checksum"], force=True)
    assert forced["changed"] and forced["pushed"]
    assert h.registry_manifest(registry, "100.0.100.96") == (forced["digest"], other["image_id"])
    again = module_runner.run(src=str(other["path"]), checksum=other["checksum"], force=True)
    assert again["changed"] is False


def test_wrong_registry_credentials_fail_cleanly(module_runner, registry, archives):
    arc = archives.make("100.0.100.95")
    res = module_runner.run(src=str(arc["path"]), checksum=arc["checksum"], registry_password="not-the-password")
    assert res.get("failed") and "authentication refused (401)" in res["msg"]
    assert "registry_username/registry_password" in res["msg"]
    assert "not-the-password" not in res["_stdout"]
    assert "Traceback" not in res["_stdout"]
    assert not h.image_exists(arc["image_id"])
    assert h.registry_manifest(registry, "100.0.100.95") is None


def test_interrupted_push_then_rerun_completes(module_runner, registry, archives):
    arc = archives.make("100.0.100.94", random_mb=96)
    uploads = registry.workdir / "storage" / "docker" / "registry" / "v2" / "repositories" / "exec" / "exrp" / "_uploads"
    proc = module_runner.popen(src=str(arc["path"]), checksum=arc["checksum"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if uploads.is_dir() and any(uploads.iterdir()):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the module finished before the push could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert h.registry_manifest(registry, "100.0.100.94") is None, "the tag appeared although the push was killed"
    res = module_runner.run(src=str(arc["path"]), checksum=arc["checksum"])
    assert not res.get("failed"), res["msg"]
    assert res["changed"] and res["pushed"]
    assert h.registry_manifest(registry, "100.0.100.94") == (res["digest"], arc["image_id"])
    assert module_runner.run(src=str(arc["path"]), checksum=arc["checksum"])["changed"] is False
    h.docker("rmi", "-f", arc["image_id"], check=False)


def test_rerun_verifies_the_file_every_time(module_runner, registry, archives):
    """The fast rerun still hashes the whole file: one byte changed in place (same size, same mtime) is caught,
    before the registry's answer counts (even with the registry down)."""
    arc = archives.make("100.0.100.82", random_mb=2)
    res = module_runner.run(src=str(arc["path"]), checksum=arc["checksum"])
    assert res["pushed"] and not res.get("failed"), res.get("msg")
    served = h.registry_manifest(registry, "100.0.100.82")
    res = module_runner.run(src=str(arc["path"]), checksum=arc["checksum"])
    assert res["changed"] is False and res["loaded"] is False and res["digest"] == served[0]
    st = os.stat(arc["path"])
    original = arc["path"].read_bytes()
    middle = len(original) // 2
    arc["path"].write_bytes(original[:middle] + bytes([original[middle] ^ 0xFF]) + original[middle + 1:])
    os.utime(arc["path"], ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(arc["path"]).st_size == st.st_size and os.stat(arc["path"]).st_mtime_ns == st.st_mtime_ns
    closed = servers.free_port()
    for reg_address in (registry.address, "127.0.0.1:%d" % closed):
        res = module_runner.run(src=str(arc["path"]), checksum=arc["checksum"], registry=reg_address)
        assert res.get("failed") and "checksum mismatch" in res["msg"], res.get("msg")
        assert "cannot connect" not in res["msg"] and "Nothing was loaded or pushed" in res["msg"]
    assert h.registry_manifest(registry, "100.0.100.82") == served
    arc["path"].write_bytes(original)
    res = module_runner.run(src=str(arc["path"]), checksum=arc["checksum"])
    assert res["changed"] is False and res["digest"] == served[0]
    h.docker("rmi", "-f", arc["image_id"], check=False)


def test_https_and_ftp_sources(module_runner, registry, archives, pki, tmp_path):
    https_arc = archives.make("100.0.100.93", subdir="serve")
    ftp_arc = archives.make("100.0.100.92", subdir="serve")
    web = h.HTTPSServer(https_arc["path"].parent, pki.issue("archive-web"))
    ftp = h.FTPServer(ftp_arc["path"].parent, "vendor", "ftp-secret-31337")
    try:
        url = web.url(https_arc["path"].name)
        res = module_runner.run(check_mode=True, src=url, checksum=https_arc["checksum"],
                                url_ca_path=str(pki.ca_path))
        assert res["changed"] and res["image_id"] == https_arc["image_id"] and not res["pushed"]
        res = module_runner.run(src=url, checksum=https_arc["checksum"], url_ca_path=str(pki.ca_path))
        assert res["changed"] and res["pushed"] and res["image"].endswith(":100.0.100.93")
        assert module_runner.run(src=url, checksum=https_arc["checksum"],
                                 url_ca_path=str(pki.ca_path))["changed"] is False
        # an https source whose certificate is not trusted: clear error
        bad = module_runner.run(src=url, checksum=https_arc["checksum"])
        assert bad.get("failed") and "TLS verification failed" in bad["msg"] and "url_ca_path" in bad["msg"]

        url = ftp.url(ftp_arc["path"].name)
        wrong = module_runner.run(src=url, checksum=ftp_arc["checksum"], url_username="vendor",
                                  url_password="wrong-ftp-pw")
        assert wrong.get("failed") and "FTP login refused" in wrong["msg"]
        assert "wrong-ftp-pw" not in wrong["_stdout"]
        res = module_runner.run(src=url, checksum=ftp_arc["checksum"], url_username="vendor",
                                url_password=ftp.password)
        assert res["changed"] and res["pushed"], res
        assert h.registry_manifest(registry, "100.0.100.92") == (res["digest"], ftp_arc["image_id"])
        assert ftp.password not in res["_stdout"]
        # the download was temporary: nothing left behind
        assert not list(tmp_path.glob("mod-*/.exrp-download-*"))
    finally:
        web.stop()
        ftp.stop()


# --------------------------------------------------------------------------------------------- bad input
def _assert_nothing_done(res, registry, tags_before, image_id=None):
    assert res.get("failed"), res
    assert res["changed"] is False
    assert "Traceback" not in res["_stdout"]
    assert h.registry_tags(registry) == tags_before
    if image_id:
        assert not h.image_exists(image_id)


def test_missing_file(module_runner, registry, tmp_path):
    before = h.registry_tags(registry)
    res = module_runner.run(src=str(tmp_path / "exrp-100.0.100.90.tgz"))
    _assert_nothing_done(res, registry, before)
    assert "does not exist" in res["msg"] and "exrp-100.0.100.90.tgz" in res["msg"]


def test_checksum_mismatch(module_runner, registry, archives):
    arc = archives.make("100.0.100.89")
    before = h.registry_tags(registry)
    res = module_runner.run(src=str(arc["path"]), checksum="sha256:" + "0" * 64)
    _assert_nothing_done(res, registry, before, arc["image_id"])
    assert "checksum mismatch" in res["msg"] and arc["checksum"] in res["msg"]
    res = module_runner.run(src=str(arc["path"]), checksum="md5:abc")
    _assert_nothing_done(res, registry, before, arc["image_id"])
    assert "sha256:<64 hex digits>" in res["msg"]


def test_not_a_docker_save_archive(module_runner, registry, tmp_path):
    before = h.registry_tags(registry)
    junk = tmp_path / "exrp-100.0.100.88.tgz"
    junk.write_bytes(os.urandom(200000))
    res = module_runner.run(src=str(junk), checksum=h.sha256_file(junk))
    _assert_nothing_done(res, registry, before)
    assert "not a tar archive" in res["msg"]
    plain = tmp_path / "tree"
    (plain / "etc").mkdir(parents=True)
    (plain / "etc" / "hello").write_text("hello\n")
    tgz = tmp_path / "exrp-100.0.100.87.tgz"
    h.docker("version")  # the engine is there; only the archive is wrong
    os.system("tar -C %s -czf %s ." % (plain, tgz))
    res = module_runner.run(src=str(tgz))
    _assert_nothing_done(res, registry, before)
    assert "not a docker-save archive (no manifest.json" in res["msg"]
    cut = tmp_path / "exrp-100.0.100.86.tgz"
    cut.write_bytes(tgz.read_bytes()[:-40])
    res = module_runner.run(src=str(cut))
    _assert_nothing_done(res, registry, before)
    assert "gzip" in res["msg"] or "truncated" in res["msg"] or "manifest.json" in res["msg"]


def test_archive_with_two_images(module_runner, registry, archives):
    arc = archives.make("100.0.100.85", extra_images=1)
    before = h.registry_tags(registry)
    res = module_runner.run(src=str(arc["path"]), checksum=arc["checksum"])
    _assert_nothing_done(res, registry, before, arc["image_id"])
    assert "holds 2 images" in res["msg"] and "exactly one" in res["msg"]


def test_registry_down(module_runner, registry, archives):
    arc = archives.make("100.0.100.84")
    before = h.registry_tags(registry)
    closed = servers.free_port()
    for check in (True, False):
        res = module_runner.run(check_mode=check, src=str(arc["path"]), checksum=arc["checksum"],
                                registry="127.0.0.1:%d" % closed)
        _assert_nothing_done(res, registry, before, arc["image_id"])
        assert "cannot connect to the registry" in res["msg"] and "Nothing was loaded or pushed" in res["msg"]


def test_tls_verify_failure(module_runner, registry, archives, tmp_path):
    arc = archives.make("100.0.100.83")
    before = h.registry_tags(registry)
    other_ca = servers.PKI(tmp_path / "other-pki")
    res = module_runner.run(src=str(arc["path"]), checksum=arc["checksum"], ca_path=str(other_ca.ca_path))
    _assert_nothing_done(res, registry, before, arc["image_id"])
    assert "TLS verification of the registry failed" in res["msg"] and "ca_path" in res["msg"]
    # without ca_path the system trust store does not know the lab CA either
    res = module_runner.run(src=str(arc["path"]), checksum=arc["checksum"], ca_path=None)
    _assert_nothing_done(res, registry, before, arc["image_id"])
    assert "TLS verification" in res["msg"]
