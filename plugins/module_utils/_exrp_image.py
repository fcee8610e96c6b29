# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Backend of engage_exec.recording.exrp_image: a ``docker save`` archive into a registry, once, by digest.

One streaming pass over the archive (gzip or plain tar) computes its sha256 and reads ``manifest.json`` and the
image config, in bounded memory (chunks of 1 MiB; only small metadata members are kept). The config digest is the
image ID, which is also the config digest the registry holds for a pushed image: comparing the two tells whether the
tag already carries this content, without loading anything into Docker.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import queue
import re
import tempfile
import threading
import zlib

from urllib.parse import unquote, urlsplit

from ansible_collections.engage_exec.recording.plugins.module_utils import _registry, _tls


def _docker():
    """The docker SDK, imported only when something must be loaded and pushed (it is slow to import)."""
    try:
        import docker  # pylint: disable=import-outside-toplevel
        return docker
    except ImportError:
        raise ExrpImageError("the docker Python SDK is needed to load and push the image and is missing on this "
                             "host: install it (pip install docker, or the python3-docker package).")


CHUNK = 1 << 20
MAX_MEMBER = 4 << 20          # metadata members kept in memory: each at most this ...
MAX_KEPT = 32 << 20           # ... and all of them together at most this
FILE_NAME = re.compile(r"^exrp-(?P<version>[0-9A-Za-z][0-9A-Za-z._-]*?)\.(?:tgz|tar\.gz|tar)$")
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
CHECKSUM_RE = re.compile(r"^sha256:(?P<hex>[0-9a-fA-F]{64})$")


class ExrpImageError(Exception):
    """An expected failure; the message names the object, the cause and a hint."""


# ----------------------------------------------------------------------------------------------- tar reading
class TarScanner:
    """Incremental tar parser fed with consecutive byte chunks (no seeking, bounded memory).

    Keeps the data of small members whose name can be metadata (``*.json``, ``repositories``, ``blobs/...``) and
    records the name and size of every regular file.
    """

    def __init__(self):
        self.members = {}      # name -> size
        self.kept = {}         # name -> bytes
        self.kept_bytes = 0
        self.error = None
        self.ended = False
        self._buf = bytearray()
        self._state = "header"
        self._remaining = 0    # data bytes of the current member still to come
        self._padding = 0      # padding bytes after it
        self._current = None   # (name, keep, typeflag)
        self._data = None
        self._pax_path = None
        self._long_name = None

    def feed(self, chunk):
        if self.error or self.ended:
            return
        mv = memoryview(chunk)
        pos, n = 0, len(mv)
        while pos < n and not self.error and not self.ended:
            if self._state == "data":
                take = min(self._remaining, n - pos)
                if self._data is not None:
                    self._data += mv[pos:pos + take]
                pos += take
                self._remaining -= take
                if self._remaining == 0:
                    self._finish_member()
                    self._state = "pad"
            elif self._state == "pad":
                take = min(self._padding, n - pos)
                pos += take
                self._padding -= take
                if self._padding == 0:
                    self._state = "header"
            else:
                need = 512 - len(self._buf)
                self._buf += mv[pos:pos + need]
                pos += min(need, n - pos)
                if len(self._buf) == 512:
                    header = bytes(self._buf)
                    self._buf.clear()
                    self._header(header)

    def _header(self, h):
        if h == b"\0" * 512:
            if self.members or self._current is not None:
                self.ended = True
            else:
                self.error = "it is not a tar archive (it starts with an empty block)"
            return
        try:
            chksum = int(h[148:156].split(b"\0")[0].strip() or b"0", 8)
        except ValueError:
            chksum = -1
        if chksum != sum(h[:148]) + 8 * 32 + sum(h[156:]):
            self.error = ("it is not a tar archive (bad header checksum)" if not self.members
                          else "the tar stream is corrupt after %s" % sorted(self.members)[-1])
            return
        size = _tar_number(h[124:136])
        typeflag = h[156:157]
        name = h[0:100].split(b"\0")[0]
        if h[257:262] == b"ustar" and h[345:500].strip(b"\0"):
            name = h[345:500].split(b"\0")[0] + b"/" + name
        name = name.decode("utf-8", "replace")
        if typeflag in (b"x", b"L"):
            keep = "pax" if typeflag == b"x" else "long"
        else:
            if self._long_name is not None:
                name, self._long_name = self._long_name, None
            if self._pax_path is not None:
                name, self._pax_path = self._pax_path, None
            name = name[2:] if name.startswith("./") else name
            keep = None
            if typeflag in (b"0", b"\0", b"7"):
                self.members[name] = size
                base = posixpath.basename(name)
                wanted = base.endswith(".json") or base == "repositories" or name.startswith("blobs/")
                if wanted and size <= MAX_MEMBER and self.kept_bytes + size <= MAX_KEPT:
                    keep = "file"
                    self.kept_bytes += size
        self._current = (name, keep, typeflag)
        self._data = bytearray() if keep else None
        self._remaining = size
        self._padding = (-size) % 512
        if size == 0:
            self._finish_member()
            self._state = "header" if self._padding == 0 else "pad"
        else:
            self._state = "data"

    def _finish_member(self):
        name, keep, _typeflag = self._current
        if keep == "file":
            self.kept[name] = bytes(self._data)
        elif keep == "long":
            self._long_name = bytes(self._data).split(b"\0")[0].decode("utf-8", "replace")
        elif keep == "pax":
            for key, value in _pax_records(bytes(self._data)):
                if key == "path":
                    self._pax_path = value
        self._data = None


def _tar_number(field):
    if field[:1] and field[0] & 0x80:  # base-256 (GNU) for big sizes
        value = int.from_bytes(field[1:], "big")
        return value
    text = field.split(b"\0")[0].strip()
    return int(text, 8) if text else 0


def _pax_records(data):
    pos = 0
    while pos < len(data):
        sp = data.find(b" ", pos)
        if sp < 0:
            return
        try:
            length = int(data[pos:sp])
        except ValueError:
            return
        record = data[sp + 1:pos + length - 1]
        key, _sep, value = record.partition(b"=")
        yield key.decode("utf-8", "replace"), value.decode("utf-8", "replace")
        pos += length if length > 0 else len(data)


# -------------------------------------------------------------------------------------------- archive scan
class _Hasher(threading.Thread):
    """sha256 in a second thread (hashlib releases the GIL), so hashing overlaps gunzip + tar parsing."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sha = hashlib.sha256()
        self.q = queue.Queue(maxsize=8)

    def run(self):
        while True:
            chunk = self.q.get()
            if chunk is None:
                return
            self.sha.update(chunk)


MEMO_VERSION = 1


def hash_file(path):
    """(sha256 hex, size) of a file, read once in 1 MiB chunks."""
    sha = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    size = 0
    with open(path, "rb", buffering=0) as f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            sha.update(view[:n])
            size += n
    return sha.hexdigest(), size


def _memo_path(memo_dir, sha):
    return os.path.join(memo_dir, "%s.json" % sha)


def _memo_load(memo_dir, sha, size):
    """The scan result remembered for this exact content (sha256), or None."""
    try:
        with open(_memo_path(memo_dir, sha)) as f:
            memo = json.load(f)
        info = memo["info"]
        if (memo.get("version") != MEMO_VERSION or memo.get("sha256") != sha or memo.get("file_size") != size
                or not str(info["image_id"]).startswith("sha256:") or not isinstance(info["size"], int)):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {"sha256": sha, "file_size": size, "compressed": bool(memo.get("compressed")), "info": info,
            "error": None, "memo": True}


def _memo_save(memo_dir, result):
    try:
        os.makedirs(memo_dir, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".memo-", dir=memo_dir)
        with os.fdopen(fd, "w") as f:
            json.dump({"version": MEMO_VERSION, "sha256": result["sha256"], "file_size": result["file_size"],
                       "compressed": result["compressed"], "info": result["info"]}, f)
        os.replace(tmp, _memo_path(memo_dir, result["sha256"]))
    except OSError:
        pass  # only a speed-up; the next run reads the archive again


def scan_archive(path, memo_dir=None, write_memo=True):
    """sha256 of the file and the single image it holds (see ``_scan_stream``).

    With ``memo_dir``, what was read from an archive is remembered under its sha256: a later scan of the same
    content only hashes the file (the content is identified by its digest, so what it holds cannot differ).
    """
    if not memo_dir:
        return _scan_stream(path)
    sha, size = hash_file(path)
    memo = _memo_load(memo_dir, sha, size)
    if memo is not None:
        return memo
    result = _scan_stream(path)
    if result["info"] is not None and result["sha256"] == sha and write_memo:
        _memo_save(memo_dir, result)
    return result


def _scan_stream(path):
    """Read ``path`` once: sha256 of the file, and the single image it holds.

    Returns dict(sha256, file_size, compressed, error, info) where info is the parsed image (see
    ``parse_image``) or None; ``error`` says why the file is not a usable docker-save archive. The whole file is
    always read (so the checksum can be verified even when the archive is broken).
    """
    hasher = _Hasher()
    hasher.start()
    scanner = TarScanner()
    inflater = None
    gzip_error = None
    file_size = 0
    compressed = False
    try:
        with open(path, "rb", buffering=0) as f:
            first = True
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                file_size += len(chunk)
                hasher.q.put(chunk)
                if first:
                    compressed = chunk[:2] == b"\x1f\x8b"
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if compressed else None
                    first = False
                if scanner.ended or scanner.error or gzip_error:
                    continue
                if inflater is None:
                    scanner.feed(chunk)
                    continue
                try:
                    data = chunk
                    while data:
                        scanner.feed(inflater.decompress(data, CHUNK * 4))
                        data = inflater.unconsumed_tail
                        if inflater.eof:
                            rest = inflater.unused_data
                            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                            data = rest if rest.strip(b"\0") else b""
                except zlib.error as exc:
                    gzip_error = "the gzip stream is corrupt (%s)" % exc
    finally:
        hasher.q.put(None)
        hasher.join()
    result = {"sha256": hasher.sha.hexdigest(), "file_size": file_size, "compressed": compressed, "info": None,
              "error": None, "memo": False}
    if file_size == 0:
        result["error"] = "the file is empty"
    elif gzip_error:
        result["error"] = gzip_error
    elif scanner.error:
        result["error"] = scanner.error
    elif not scanner.ended and scanner._state != "header":  # pylint: disable=protected-access
        result["error"] = "the archive is truncated (it ends inside %s)" % (scanner._current or ("?",))[0]
    else:
        try:
            result["info"] = parse_image(scanner)
        except ExrpImageError as exc:
            result["error"] = str(exc)
    return result


def parse_image(scanner):
    """From a scanned docker-save archive: the one image it holds.

    Returns dict(image_id 'sha256:<hex>', layers [names], diff_ids, size (layer bytes), repo_tags, config (dict)).
    Raises ExrpImageError for anything that is not exactly one complete image.
    """
    if "manifest.json" not in scanner.kept:
        raise ExrpImageError("it is not a docker-save archive (no manifest.json in the tar)")
    try:
        manifest = json.loads(scanner.kept["manifest.json"])
    except ValueError:
        raise ExrpImageError("its manifest.json is not valid JSON")
    if not isinstance(manifest, list) or not manifest or not all(isinstance(m, dict) for m in manifest):
        raise ExrpImageError("its manifest.json does not list any image")
    if len(manifest) != 1:
        names = ", ".join(",".join(m.get("RepoTags") or [m.get("Config", "?")]) for m in manifest)
        raise ExrpImageError("it holds %d images (%s); the EXRP archive must hold exactly one"
                             % (len(manifest), names))
    entry = manifest[0]
    config_name = entry.get("Config") or ""
    layers = entry.get("Layers") or []
    if config_name not in scanner.kept:
        raise ExrpImageError("its image config %s is missing from the archive" % (config_name or "(none)"))
    config_bytes = scanner.kept[config_name]
    image_id = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    named = re.search(r"([0-9a-f]{64})(?:\.json)?$", config_name)
    if named and named.group(1) != image_id[7:]:
        raise ExrpImageError("its image config %s does not match its own digest (corrupt archive)" % config_name)
    try:
        config = json.loads(config_bytes)
    except ValueError:
        raise ExrpImageError("its image config %s is not valid JSON" % config_name)
    missing = [la for la in layers if la not in scanner.members]
    if missing:
        raise ExrpImageError("layer %s listed in manifest.json is missing from the archive" % missing[0])
    diff_ids = ((config.get("rootfs") or {}).get("diff_ids")) or []
    if len(diff_ids) != len(layers):
        raise ExrpImageError("manifest.json lists %d layers but the image config %d" % (len(layers), len(diff_ids)))
    return {"image_id": image_id, "layers": layers, "diff_ids": diff_ids,
            "size": sum(scanner.members[la] for la in layers), "repo_tags": entry.get("RepoTags") or [],
            "architecture": config.get("architecture"), "os": config.get("os")}


# ------------------------------------------------------------------------------------------------ inputs
def parse_checksum(value):
    """'sha256:<hex>' -> hex (lower-case); None stays None."""
    if value is None:
        return None
    m = CHECKSUM_RE.match(value.strip())
    if not m:
        raise ExrpImageError("checksum %r is not of the form sha256:<64 hex digits>. Give the sha256 the vendor "
                             "publishes for the archive." % value)
    return m.group("hex").lower()


def tag_from_name(src):
    """The version in ``exrp-<version>.tgz`` (path or URL), or None."""
    name = posixpath.basename(unquote(urlsplit(src).path) if "://" in src else src.replace(os.sep, "/"))
    m = FILE_NAME.match(name)
    return m.group("version") if m else None


def redact_url(url):
    """The URL without user:password."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += ":%d" % parts.port
        parts = parts._replace(netloc=netloc)
    return parts.geturl()


# --------------------------------------------------------------------------------------------- download
def download(url, dest_dir, username=None, password=None, verify=True, timeout=60):
    """Stream ``url`` (https:// or ftp://) into a new file in ``dest_dir``; returns its path."""
    parts = urlsplit(url)
    shown = redact_url(url)
    fd, tmp = tempfile.mkstemp(prefix=".exrp-download-", dir=dest_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            if parts.scheme == "https":
                _download_https(url, shown, out, username, password, verify, timeout)
            elif parts.scheme == "ftp":
                _download_ftp(parts, shown, out, username, password, timeout)
            else:
                raise ExrpImageError("%s - unsupported URL scheme %r; src must be a local path, an https:// or an "
                                     "ftp:// URL." % (shown, parts.scheme))
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _download_https(url, shown, out, username, password, verify, timeout):
    requests = _registry.load_requests()
    auth = (username, password or "") if username else None
    try:
        with requests.get(url, stream=True, auth=auth, verify=verify, timeout=timeout) as resp:
            if resp.status_code in (401, 403):
                raise ExrpImageError("%s - download refused (%d). Check url_username/url_password."
                                     % (shown, resp.status_code))
            if resp.status_code != 200:
                raise ExrpImageError("%s - download failed (HTTP %d). Check the URL." % (shown, resp.status_code))
            for chunk in resp.iter_content(CHUNK):
                out.write(chunk)
    except requests.exceptions.SSLError as exc:
        raise ExrpImageError("%s - TLS verification failed (%s). %s"  # pylint: disable=protected-access
                             % (shown, _registry._short(exc), _tls.verify_hint(exc, "that server", "url_ca_path")))
    except requests.exceptions.RequestException as exc:
        raise ExrpImageError("%s - download failed (%s). Check the URL and that this host reaches it."
                             % (shown, _registry._short(exc)))  # pylint: disable=protected-access


def _download_ftp(parts, shown, out, username, password, timeout):
    # imported here, only for ftp:// sources: it imports ssl (~10 ms), which a rerun needs only in the registry thread
    import ftplib  # pylint: disable=import-outside-toplevel
    user = username or (unquote(parts.username) if parts.username else "anonymous")
    pw = password if password is not None else (unquote(parts.password) if parts.password else "")
    path = unquote(parts.path)
    try:
        ftp = ftplib.FTP(timeout=timeout)
        try:
            ftp.connect(parts.hostname, parts.port or 21)
            ftp.login(user, pw)
            ftp.retrbinary("RETR " + path, out.write, blocksize=CHUNK)
        finally:
            try:
                ftp.quit()
            except (ftplib.all_errors):
                ftp.close()
    except ftplib.error_perm as exc:
        code = str(exc)[:3]
        if code in ("530", "331", "332"):
            raise ExrpImageError("%s - FTP login refused (%s). Check url_username/url_password." % (shown, code))
        raise ExrpImageError("%s - FTP download failed (%s). Check the path." % (shown, str(exc).strip()))
    except ftplib.all_errors as exc:
        raise ExrpImageError("%s - FTP download failed (%s). Check the URL and that this host reaches it."
                             % (shown, exc))


# ------------------------------------------------------------------------------------------------- docker
def _file_chunks(path):
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                return
            yield chunk


def docker_client(docker_host, timeout):
    docker = _docker()
    try:
        client = docker.APIClient(base_url=docker_host, version="auto", timeout=timeout)
        client.ping()
        return client
    except docker.errors.DockerException as exc:
        raise ExrpImageError("cannot talk to the Docker engine at %s (%s). Run the task on a host with Docker "
                             "(the role's exrp_image_delegate_to) or set docker_host." % (docker_host, exc))


def docker_load(client, path, image_id):
    """Stream the archive to ``docker load``; checks that the loaded image is the one the archive holds."""
    try:
        for event in client.load_image(_file_chunks(path)):
            if isinstance(event, dict) and event.get("error"):
                raise ExrpImageError("docker load of %s failed: %s" % (path, event["error"]))
        client.inspect_image(image_id)
    except _docker().errors.APIError as exc:
        raise ExrpImageError("docker load of %s failed: %s" % (path, exc.explanation or exc))


def docker_push(client, image_id, target_repo, tag, username, password, image_ref):
    """Tag and push; returns the digest the engine reports."""
    auth = {"username": username, "password": password} if username else None
    try:
        client.tag(image_id, target_repo, tag=tag, force=True)
        digest = None
        last_error = None
        for event in client.push(target_repo, tag=tag, auth_config=auth, stream=True, decode=True):
            if event.get("error"):
                last_error = (event.get("errorDetail") or {}).get("message") or event["error"]
            aux = event.get("aux") or {}
            if aux.get("Digest"):
                digest = aux["Digest"]
    except _docker().errors.APIError as exc:
        raise ExrpImageError("%s - push failed: %s" % (image_ref, exc.explanation or exc))
    if last_error:
        hint = ""
        if "unauthorized" in last_error.lower() or "authentication required" in last_error.lower():
            hint = " Check registry_username/registry_password."
        raise ExrpImageError("%s - push failed: %s.%s" % (image_ref, last_error, hint))
    return digest


# ---------------------------------------------------------------------------------------------- workflow
def run(params, check_mode, tmpdir, warn=lambda msg: None):
    """The module's whole job; returns the result dict. Raises ExrpImageError for expected failures."""
    src = params["src"]
    is_url = "://" in src
    shown_src = redact_url(src) if is_url else src
    checksum = parse_checksum(params.get("checksum"))
    tag = params.get("tag") or tag_from_name(src)
    if not tag:
        raise ExrpImageError("%s - cannot tell the tag: the file name is not exrp-<version>.tgz. Set tag."
                             % shown_src)
    if not TAG_RE.match(tag):
        raise ExrpImageError("tag %r is not a valid image tag (letters, digits, '_', '.', '-'; at most 128)." % tag)
    registry = params["registry"]
    repository = params["repository"].strip("/")
    target_repo = "%s/%s" % (registry, repository)
    image_ref = "%s:%s" % (target_repo, tag)
    verify = params.get("ca_path") or True
    if not params.get("validate_certs", True):
        verify = False

    # 1. the archive: local, cached, or downloaded (streamed to disk); one pass: checksum + manifest/config.
    # Meanwhile another thread asks the registry what the tag holds (read-only); its answer is used only once the
    # archive is verified, and the archive's errors are reported first.
    query = RegistryQuery(params, registry, repository, tag, verify)
    query.start()
    obtained = {"downloaded": False, "cached": None, "tmp": None}
    try:
        path, scan = _obtain(params, check_mode, tmpdir, src, is_url, shown_src, checksum, tag, obtained)
        if obtained["downloaded"]:
            query.refresh = True  # a download takes a while: ask again right before deciding
        if checksum and scan["sha256"] != checksum:
            raise ExrpImageError("%s - checksum mismatch: expected sha256:%s, the file has sha256:%s. The archive "
                                 "is damaged or not the published one; download it again. Nothing was loaded or "
                                 "pushed." % (shown_src, checksum, scan["sha256"]))
        if obtained["tmp"] and params.get("cache_dir") and not check_mode:
            os.replace(obtained["tmp"], obtained["cached"])
            obtained["tmp"] = None
            path = obtained["cached"]
        result = _push(params, check_mode, path, scan, shown_src, checksum, tag, repository, target_repo,
                       image_ref, query, warn)
    finally:
        if obtained["tmp"] and os.path.exists(obtained["tmp"]):
            os.unlink(obtained["tmp"])
    if obtained["downloaded"] and params.get("cache_dir"):
        result["changed"] = True  # a new file in the cache is a change too
    result["downloaded"] = obtained["downloaded"]
    result["archive"] = obtained["cached"] if params.get("cache_dir") and is_url else (None if is_url else src)
    return result


class RegistryQuery(threading.Thread):
    """Asks the registry (ping, then the manifest under the tag) in a thread, while the archive is read.

    Read-only. ``answer()`` waits for it and returns (client, manifest or None), or raises the RegistryError it met.
    With ``refresh`` set, ``answer()`` asks for the manifest again (same client and connection) before returning.
    """

    def __init__(self, params, registry, repository, tag, verify):
        super().__init__(daemon=True, name="exrp-registry-query")
        self.params = params
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.verify = verify
        self.refresh = False
        self.client = None
        self.current = None
        self.error = None

    def run(self):
        try:
            p = self.params
            self.client = _registry.RegistryClient(self.registry, p.get("registry_username"),
                                                   p.get("registry_password"), verify=self.verify,
                                                   timeout=p.get("timeout") or 60)
            self.client.ping()
            self.current = self.client.manifest(self.repository, self.tag)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            self.error = exc  # raised in the main thread by answer(), as it is

    def answer(self):
        self.join()
        if self.error is not None:
            raise self.error
        if self.refresh:
            self.current = self.client.manifest(self.repository, self.tag)
            self.refresh = False
        return self.client, self.current


def _scan(path, shown_src, params=None, check_mode=False):
    if not os.path.exists(path):
        raise ExrpImageError("%s - the archive does not exist on this host. Check src (a path on the host that "
                             "runs the task, or an https:// / ftp:// URL)." % shown_src)
    if not os.path.isfile(path):
        raise ExrpImageError("%s - src is not a regular file." % shown_src)
    try:
        return scan_archive(path, (params or {}).get("scan_cache_dir"), write_memo=not check_mode)
    except OSError as exc:
        raise ExrpImageError("%s - cannot read the archive (%s)." % (shown_src, exc.strerror or exc))


def _obtain(params, check_mode, tmpdir, src, is_url, shown_src, checksum, tag, obtained):
    """(path, scan) of the archive to use; a URL is taken from cache_dir when a verified copy is there."""
    if not is_url:
        return src, _scan(src, shown_src, params, check_mode)
    cache_dir = params.get("cache_dir")
    if cache_dir and not os.path.isdir(cache_dir):
        if not check_mode:
            raise ExrpImageError("cache_dir %s does not exist. Create it first (the role does)." % cache_dir)
        cache_dir = None  # check mode before the directory exists: nothing cached yet
    if cache_dir:
        name = posixpath.basename(unquote(urlsplit(src).path)) or "exrp-%s.tgz" % tag
        obtained["cached"] = os.path.join(cache_dir, name)
        if checksum and os.path.isfile(obtained["cached"]):
            scan = _scan(obtained["cached"], obtained["cached"], params, check_mode)
            if scan["sha256"] == checksum:
                return obtained["cached"], scan
    url_verify = params.get("url_ca_path") or True
    if not params.get("validate_certs", True):
        url_verify = False
    dest_dir = cache_dir if cache_dir and not check_mode else (params.get("download_dir") or tmpdir)
    if not os.path.isdir(dest_dir):
        raise ExrpImageError("download_dir %s does not exist. Create it or leave download_dir unset." % dest_dir)
    obtained["tmp"] = download(src, dest_dir, params.get("url_username"), params.get("url_password"), url_verify,
                               params.get("timeout") or 60)
    obtained["downloaded"] = True
    return obtained["tmp"], _scan(obtained["tmp"], shown_src, params, check_mode)


def _push(params, check_mode, path, scan, shown_src, checksum, tag, repository, target_repo, image_ref, query,
          warn):
    if not checksum:
        warn("no checksum given: %s was not verified against the published sha256 (set checksum)." % shown_src)
    if scan["error"]:
        raise ExrpImageError("%s - %s. src must be the EXRP docker-save archive (exrp-<version>.tgz). Nothing was "
                             "loaded or pushed." % (shown_src, scan["error"]))
    info = scan["info"]

    # 2. what the registry has under that tag (asked while the archive was read)
    try:
        client, current = query.answer()
    except _registry.RegistryError as exc:
        raise ExrpImageError("%s - %s Nothing was loaded or pushed." % (image_ref, exc))

    result = {"image": image_ref, "image_id": info["image_id"], "size": info["size"],
              "archive_sha256": "sha256:" + scan["sha256"], "digest": None, "changed": False, "loaded": False,
              "pushed": False}
    before = {"image": image_ref, "digest": current["digest"] if current else None,
              "config_digest": current["config_digest"] if current else None}
    after = {"image": image_ref, "config_digest": info["image_id"]}
    if current and current["config_digest"] == info["image_id"]:
        result["digest"] = current["digest"]
        after["digest"] = current["digest"]
        result["diff"] = {"before": before, "after": after}
        result["msg"] = "%s already holds this archive's image (%s); nothing to do." % (image_ref, current["digest"])
        return result
    if current and not params.get("force"):
        raise ExrpImageError(
            "%s - the tag already exists with different content (registry config %s, archive image %s). Refusing "
            "to move a tag under running nodes: publish the archive under a new tag, or set force: true if "
            "replacing it is intended. Nothing was loaded or pushed."
            % (image_ref, current["config_digest"] or current["media_type"], info["image_id"]))
    after["digest"] = "(known after push)"
    result["diff"] = {"before": before, "after": after}
    result["changed"] = True
    if check_mode:
        result["msg"] = "%s would be %s from %s (image %s)." % (
            image_ref, "replaced" if current else "pushed", shown_src, info["image_id"])
        return result

    # 3. load, tag, push, confirm
    dclient = docker_client(params["docker_host"], params.get("docker_timeout") or 600)
    try:
        docker_load(dclient, path, info["image_id"])
        result["loaded"] = True
        pushed = docker_push(dclient, info["image_id"], target_repo, tag, params.get("registry_username"),
                             params.get("registry_password"), image_ref)
    finally:
        dclient.close()
    result["pushed"] = True
    try:
        confirmed = client.manifest(repository, tag)
    except _registry.RegistryError as exc:
        raise ExrpImageError("%s - pushed, but reading it back failed: %s" % (image_ref, exc))
    if not confirmed or confirmed["config_digest"] != info["image_id"]:
        raise ExrpImageError("%s - the push reported success but the registry does not hold this image under "
                             "the tag (it has %s). Run the task again."
                             % (image_ref, (confirmed or {}).get("config_digest")))
    if pushed and pushed != confirmed["digest"]:
        raise ExrpImageError("%s - the engine pushed %s but the registry serves %s under the tag. Another push "
                             "may have raced this one; run the task again." % (image_ref, pushed,
                                                                               confirmed["digest"]))
    result["digest"] = confirmed["digest"]
    after["digest"] = confirmed["digest"]
    result["msg"] = "%s %s (%s)." % (image_ref, "replaced" if current else "pushed", confirmed["digest"])
    return result
