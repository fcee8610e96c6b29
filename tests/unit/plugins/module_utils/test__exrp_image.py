# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Archive reading (tarfile stream mode over gzip, docker-save manifest), the inputs, the workflow's early checks
and the registry client (auth flows, errors)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils import _exrp_archive as ea
from ansible_collections.engage_exec.recording.plugins.module_utils import _exrp_image as ei
from ansible_collections.engage_exec.recording.plugins.module_utils import _exrp_ref as er
from ansible_collections.engage_exec.recording.plugins.module_utils import _registry as reg


def _config(n_layers=1, tag="x"):
    return json.dumps({"architecture": "amd64", "os": "linux", "config": {"Labels": {"t": tag}},
                       "rootfs": {"type": "layers", "diff_ids": ["sha256:%064d" % i for i in range(n_layers)]}},
                      sort_keys=True).encode()


def _save_archive(images=1, fmt=tarfile.PAX_FORMAT, long_names=False, layer_bytes=3000, drop=None, oci=False):
    """A docker-save-like tar: <id>.json configs, <layer>/layer.tar, manifest.json (last, as docker writes it)."""
    buf = io.BytesIO()
    manifest = []
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        def add(name, data):
            if drop and name == drop:
                return
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for i in range(images):
            cfg = _config(tag=str(i))
            cid = hashlib.sha256(cfg).hexdigest()
            layer_dir = ("d" * 120 + "/") if long_names else ("%064x/" % (i + 1))
            layer = layer_dir + "layer.tar"
            add(layer, bytes([i]) * layer_bytes)
            cfg_name = ("blobs/sha256/" + cid) if oci else (cid + ".json")
            add(cfg_name, cfg)
            manifest.append({"Config": cfg_name, "RepoTags": ["exrp:%d" % i], "Layers": [layer]})
        add("manifest.json", json.dumps(manifest).encode())
    return buf.getvalue(), manifest


def _scan_bytes(tmp_path, data, name="exrp-1.2.3.tgz"):
    path = tmp_path / name
    path.write_bytes(data)
    return ea.scan_archive(str(path))


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT])
def test_scan_reads_the_one_image_and_hashes_the_file(tmp_path, compress, fmt):
    raw, manifest = _save_archive(fmt=fmt)
    data = gzip.compress(raw) if compress else raw
    scan = _scan_bytes(tmp_path, data)
    assert scan["error"] is None
    assert scan["sha256"] == hashlib.sha256(data).hexdigest()
    assert scan["compressed"] is compress
    # only what the module reads: the image ID and the size of its layers
    assert scan["info"] == {"image_id": "sha256:" + manifest[0]["Config"][:64], "size": 3000}


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
def test_long_member_names(tmp_path, fmt):
    raw = _save_archive(fmt=fmt, long_names=True)[0]
    scan = _scan_bytes(tmp_path, raw)
    # a long name read wrong would not match the manifest's layer ("layer ... is missing from the archive")
    assert scan["error"] is None, scan["error"]
    assert scan["info"]["size"] == 3000


def test_oci_style_config_blob(tmp_path):
    raw, manifest = _save_archive(oci=True)
    scan = _scan_bytes(tmp_path, raw)
    assert scan["error"] is None and scan["info"]["image_id"].endswith(manifest[0]["Config"][-64:])


class _ShortReads(io.RawIOBase):
    """A stream that returns at most ``chunk`` bytes per read, as a pipe or a slow disk may."""

    def __init__(self, data, chunk):
        super().__init__()
        self.data, self.pos, self.chunk = data, 0, chunk

    def readable(self):
        return True

    def readinto(self, buf):
        piece = self.data[self.pos:self.pos + min(self.chunk, len(buf))]
        buf[:len(piece)] = piece
        self.pos += len(piece)
        return len(piece)


@pytest.mark.parametrize("chunk", [1, 7, 511, 512, 513, 4096])
def test_reader_is_independent_of_read_sizes(chunk):
    raw = _save_archive(layer_bytes=1500)[0]
    tar = ea.ImageTar().read(_ShortReads(raw, chunk))
    assert not tar.error
    assert ea.parse_image(tar)["size"] == 1500


def test_big_members_are_not_kept_in_memory(monkeypatch):
    monkeypatch.setattr(ea, "MAX_MEMBER", 1024)
    raw = _save_archive(layer_bytes=5000)[0]
    tar = ea.ImageTar().read(io.BytesIO(raw))
    assert tar.kept and all(len(v) <= 1024 for v in tar.kept.values())
    assert not any(name.endswith("layer.tar") for name in tar.kept)
    assert any(name.endswith("layer.tar") for name in tar.members)


def test_two_images_refused(tmp_path):
    raw = _save_archive(images=2)[0]
    scan = _scan_bytes(tmp_path, raw)
    assert scan["info"] is None and "holds 2 images" in scan["error"] and "exrp:1" in scan["error"]


@pytest.mark.parametrize("drop, expected", [
    ("manifest.json", "no manifest.json"),
    ("%064x/layer.tar" % 1, "missing from the archive"),
])
def test_incomplete_archives(tmp_path, drop, expected):
    raw = _save_archive(drop=drop)[0]
    scan = _scan_bytes(tmp_path, raw)
    assert expected in scan["error"]


def test_not_tar_truncated_and_bad_gzip(tmp_path):
    assert "not a tar archive" in _scan_bytes(tmp_path, b"hello world" * 100)["error"]
    raw = _save_archive(layer_bytes=20000)[0]
    assert "truncated" in _scan_bytes(tmp_path, raw[:5000])["error"]
    bad = bytearray(gzip.compress(raw))
    bad[40:60] = b"\xff" * 20
    err = _scan_bytes(tmp_path, bytes(bad))["error"]
    assert "gzip" in err or "tar" in err
    assert _scan_bytes(tmp_path, b"")["error"] == "the file is empty"


def test_damaged_streams_keep_their_messages(tmp_path):
    raw = _save_archive(layer_bytes=20000)[0]
    # a header after the first member with a wrong checksum: tarfile would stop quietly there
    second = 512 + 20480  # header of the first member + its data (padded to blocks)
    bad = bytearray(raw)
    bad[second + 148:second + 156] = b"0000000\0"
    assert _scan_bytes(tmp_path, bytes(bad))["error"] == "the tar stream is corrupt after %064x/layer.tar" % 1
    # the first block empty, or no tar header at all
    assert _scan_bytes(tmp_path, b"\0" * 2048)["error"] == "it is not a tar archive (it starts with an empty block)"
    assert _scan_bytes(tmp_path, b"x" * 2048)["error"] == "it is not a tar archive (bad header checksum)"
    # gzip cut short inside the layer, gzip whose CRC does not match, a gzip header over random bytes
    packed = gzip.compress(raw)
    err = _scan_bytes(tmp_path, packed[:len(packed) // 2])["error"]
    assert err == "the gzip stream is truncated or corrupt (it ends before its end marker)"
    crc = bytearray(packed)
    crc[-8] ^= 0xFF
    assert "CRC check failed" in _scan_bytes(tmp_path, bytes(crc))["error"]
    assert _scan_bytes(tmp_path, b"\x1f\x8b\x07" + b"r" * 4000)["error"].startswith("the gzip stream is corrupt")
    # the checksum is of the whole file, also when the archive is broken and when data follows its end
    tail = raw + b"trailing bytes after the end-of-archive blocks"
    scan = _scan_bytes(tmp_path, tail)
    assert scan["error"] is None and scan["sha256"] == hashlib.sha256(tail).hexdigest()
    assert scan["file_size"] == len(tail)
    assert _scan_bytes(tmp_path, raw[:5000])["sha256"] == hashlib.sha256(raw[:5000]).hexdigest()


def test_config_not_matching_its_name(tmp_path):
    raw, manifest = _save_archive()
    name = manifest[0]["Config"]
    data = raw.replace(b'"t": "0"', b'"t": "9"')
    scan = _scan_bytes(tmp_path, data)
    assert "does not match its own digest" in scan["error"] and name in scan["error"]


def test_scan_memo_by_content_digest(tmp_path):
    raw, manifest = _save_archive()
    data = gzip.compress(raw)
    path = tmp_path / "exrp-1.tgz"
    path.write_bytes(data)
    memo = tmp_path / "memo"
    first = ea.scan_archive(str(path), str(memo), write_memo=False)
    assert first["memo"] is False and not memo.exists()
    first = ea.scan_archive(str(path), str(memo))
    assert first["memo"] is False and first["error"] is None
    sha = hashlib.sha256(data).hexdigest()
    assert (memo / (sha + ".json")).exists()
    again = ea.scan_archive(str(path), str(memo))
    assert again["memo"] is True and again["info"] == first["info"] and again["sha256"] == sha
    # other content: read again, never confused with the remembered one
    other = gzip.compress(_save_archive(images=1, layer_bytes=10)[0])
    path.write_bytes(other)
    third = ea.scan_archive(str(path), str(memo))
    assert third["memo"] is False and third["sha256"] == hashlib.sha256(other).hexdigest()
    # a damaged memo entry is ignored
    (memo / (sha + ".json")).write_text('{"version": 1, "sha256": "x"}')
    path.write_bytes(data)
    assert ea.scan_archive(str(path), str(memo))["memo"] is False
    # broken archives are never remembered
    bad = tmp_path / "bad.tgz"
    bad.write_bytes(b"not a tar" * 100)
    ea.scan_archive(str(bad), str(memo))
    assert not (memo / (hashlib.sha256(b"not a tar" * 100).hexdigest() + ".json")).exists()
    assert manifest


@pytest.mark.parametrize("src, tag", [
    ("/srv/exrp-100.0.100.12.tgz", "100.0.100.12"),
    ("exrp-100.0.100.12.tar.gz", "100.0.100.12"),
    ("ftp://u:p@ftp.example/pub/exrp-100.0.100.7.tar", "100.0.100.7"),
    ("https://x.example/exrp-100.0.100.12.tgz?token=1", "100.0.100.12"),
    ("/srv/exrp.tgz", None),
    ("/srv/other-1.tgz", None),
])
def test_tag_from_name(src, tag):
    assert er.tag_from_name(src) == tag


def test_checksum_and_url_redaction():
    assert er.parse_checksum("sha256:" + "A" * 64) == "a" * 64
    assert er.parse_checksum(None) is None
    with pytest.raises(er.ExrpImageError, match="sha256:<64 hex digits>"):
        er.parse_checksum("md5:0123")
    assert er.redact_url("ftp://user:secret@ftp.example:2121/a.tgz") == "ftp://ftp.example:2121/a.tgz"
    assert er.redact_url("https://h/a.tgz") == "https://h/a.tgz"


@pytest.mark.parametrize("inputs, problems", [
    (("/srv/exrp-1.2.tgz", "sha256:" + "a" * 64, "reg.example:5000", "exec/exrp", ""), []),
    (("https://h.example/exrp-1.2.tgz?t=1", "sha256:" + "A" * 64, "r:1", "a/b_c", "1.2"), []),
    (("", "md5:1", "registry.example.com", "Exec/EXRP", ""), ["exrp_image_src", "exrp_image_checksum",
                                                              "exrp_image_registry", "exrp_image_repository"]),
    (("/srv/image.tgz", "sha256:" + "a" * 64, "r:1", "exec/exrp", ""), ["exrp_image_tag"]),
    (("/srv/image.tgz", "sha256:" + "a" * 64, "r:1", "exec/exrp", "bad tag"), ["exrp_image_tag"]),
])
def test_input_problems_use_the_modules_rules(inputs, problems):
    assert er.input_problems(*inputs) == problems
    # the module accepts what the role check accepts, and refuses what it refuses
    src, checksum, _registry, _repository, tag = inputs
    if "exrp_image_tag" not in problems and src:
        assert er.TAG_RE.match(tag or er.tag_from_name(src))


def test_input_problems_url_password_needs_a_user():
    base = ("ftp://f.example/exrp-1.tgz", "sha256:" + "a" * 64, "r:1", "exec/exrp", "")
    assert er.input_problems(*base, url_password="pw") == ["exrp_image_url_username"]
    assert er.input_problems(*base, url_username="u", url_password="pw") == []


def test_run_refuses_bad_tag_before_reading(tmp_path):
    with pytest.raises(er.ExrpImageError, match="cannot tell the tag"):
        ei.run({"src": str(tmp_path / "image.tgz"), "registry": "r:5000", "repository": "exec/exrp"}, False)
    with pytest.raises(er.ExrpImageError, match="not a valid image tag"):
        ei.run({"src": str(tmp_path / "exrp-1.tgz"), "tag": "bad tag", "registry": "r:5000",
                "repository": "exec/exrp"}, False)


# ------------------------------------------------------------------------------------------- registry client
class _Resp:
    def __init__(self, status, headers=None, body=b""):
        self.status_code = status
        self.headers = headers or {}
        self.content = body
        self.reason = "R"

    def json(self):
        return json.loads(self.content)


class _Session:
    """Plays a registry: answers in order from ``script`` and records the requests."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def request(self, method, url, headers=None, auth=None, **kw):
        self.calls.append((method, url, dict(headers or {}), auth))
        return self.script.pop(0)

    def get(self, url, params=None, auth=None, **kw):
        self.calls.append(("GET", url, params, auth))
        return self.script.pop(0)


MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": reg.MANIFEST_V2,
                       "config": {"digest": "sha256:" + "c" * 64, "size": 10},
                       "layers": [{"digest": "sha256:" + "1" * 64, "size": 100}]}).encode()


def test_basic_auth_on_challenge_and_manifest_digest():
    s = _Session([_Resp(401, {"WWW-Authenticate": 'Basic realm="lab"'}),
                  _Resp(200, {"Docker-Content-Digest": "sha256:" + "d" * 64}, MANIFEST)])
    client = reg.RegistryClient("r:5000", "u", "p", session=s)
    m = client.manifest("exec/exrp", "1.0")
    assert m["digest"] == "sha256:" + "d" * 64 and m["config_digest"] == "sha256:" + "c" * 64
    assert s.calls[0][3] is None and s.calls[1][3] == ("u", "p")
    assert reg.MANIFEST_V2 in s.calls[1][2]["Accept"]


def test_bearer_token_flow_scoped_to_repository():
    s = _Session([_Resp(401, {"WWW-Authenticate": 'Bearer realm="https://auth.example/token",service="reg",'
                                                  'scope="repository:exec/exrp:pull"'}),
                  _Resp(200, body=b'{"token": "tok-1"}'),
                  _Resp(404, body=b'{"errors": [{"code": "MANIFEST_UNKNOWN"}]}')])
    client = reg.RegistryClient("r:5000", "u", "p", session=s)
    assert client.manifest("exec/exrp", "2.0") is None
    token_call = s.calls[1]
    assert token_call[1] == "https://auth.example/token"
    assert token_call[2] == {"scope": "repository:exec/exrp:pull", "service": "reg"} and token_call[3] == ("u", "p")
    assert s.calls[2][2]["Authorization"] == "Bearer tok-1"


def test_manifest_digest_computed_when_header_missing():
    s = _Session([_Resp(200, {}, MANIFEST)])
    m = reg.RegistryClient("r:5000", session=s).manifest("exec/exrp", "1")
    assert m["digest"] == "sha256:" + hashlib.sha256(MANIFEST).hexdigest() and m["size"] == 100


@pytest.mark.parametrize("script, match", [
    ([_Resp(401, {"WWW-Authenticate": 'Basic realm="x"'}), _Resp(401, {"WWW-Authenticate": 'Basic realm="x"'})],
     r"authentication refused \(401\)"),
    ([_Resp(401, {"WWW-Authenticate": 'Bearer realm="https://a/t"'}), _Resp(401)], r"authentication refused"),
    ([_Resp(403)], r"access denied \(403\)"),
    ([_Resp(200, {"Docker-Distribution-API-Version": "nope"})], "does not look like a container registry"),
])
def test_ping_errors_name_the_registry_and_hint(script, match):
    client = reg.RegistryClient("r:5000", "u", "secret-pw", session=_Session(script))
    with pytest.raises(reg.RegistryError, match=match) as err:
        client.ping()
    assert "r:5000" in str(err.value) and "secret-pw" not in str(err.value)


def test_anonymous_client_told_to_set_credentials():
    client = reg.RegistryClient("r:5000", session=_Session([_Resp(401, {"WWW-Authenticate": 'Basic realm="x"'})]))
    with pytest.raises(reg.RegistryError, match="registry_username and registry_password"):
        client.ping()


def test_transport_errors_are_explained():
    class Boom:
        def __init__(self, exc):
            self.exc = exc

        def request(self, *a, **k):
            raise self.exc
    rexc = reg.load_requests().exceptions
    for exc, match in ((rexc.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
                        "TLS verification of the registry failed.*ca_path"),
                       (rexc.ConnectionError("Connection refused"), "cannot connect to the registry"),
                       (rexc.ConnectTimeout("t"), "did not answer within")):
        with pytest.raises(reg.RegistryError, match=match):
            reg.RegistryClient("r:5000", session=Boom(exc)).ping()


def test_parse_challenge():
    assert reg.parse_challenge('Bearer realm="https://a/t",service="s",scope="repository:x:pull"') == (
        "bearer", {"realm": "https://a/t", "service": "s", "scope": "repository:x:pull"})
    assert reg.parse_challenge("") == ("", {})


# ------------------------------------------------------------------------------------- concurrent registry query
def test_registry_query_answers_errors_and_refreshes(monkeypatch):
    answers = [_Resp(200, {"Docker-Distribution-API-Version": "registry/2.0"}),
               _Resp(404),
               _Resp(200, {"Docker-Content-Digest": "sha256:" + "d" * 64}, MANIFEST)]
    s = _Session(answers)
    monkeypatch.setattr(reg.load_requests(), "Session", lambda: s)
    q = ei.RegistryQuery({"timeout": 5}, "r:5000", "exec/exrp", "1.0", True)
    q.start()
    client, current = q.answer()
    assert current is None and [c[1] for c in s.calls] == ["https://r:5000/v2/",
                                                           "https://r:5000/v2/exec/exrp/manifests/1.0"]
    q.refresh = True  # after a download: the tag is read again, on the same client
    client2, current = q.answer()
    assert client2 is client and current["config_digest"] == "sha256:" + "c" * 64 and len(s.calls) == 3
    assert q.answer()[1] is current and len(s.calls) == 3  # asked once per refresh

    q = ei.RegistryQuery({}, "r:5000", "exec/exrp", "1.0", True)
    monkeypatch.setattr(reg.load_requests(), "Session",
                        lambda: _Session([_Resp(401, {"WWW-Authenticate": 'Basic realm="x"'})]))
    q.start()
    with pytest.raises(reg.RegistryError, match="registry_username and registry_password"):
        q.answer()
