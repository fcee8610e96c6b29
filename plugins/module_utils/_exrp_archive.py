# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exrp_image's archive reader: one pass over a ``docker save`` archive (gzip or plain tar) computes its sha256 and
reads ``manifest.json`` and the image config, in bounded memory.

The tar is read by the standard library's ``tarfile`` in stream mode (``r|``, no seeking) over ``gzip`` (which
inflates at most what is asked for, and checks the CRC); the file itself is read in 1 MiB chunks that a second
thread hashes. Only small metadata members are kept. What was read can be remembered under the archive's sha256,
so that a rerun on the same content only hashes the file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import posixpath
import queue
import re
import tarfile
import tempfile
import threading
import zlib

from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_ref import ExrpImageError

CHUNK = 1 << 20
MAX_MEMBER = 4 << 20          # metadata members kept in memory: each at most this ...
MAX_KEPT = 32 << 20           # ... and all of them together at most this
MEMO_VERSION = 1


class Hasher(threading.Thread):
    """sha256 in a second thread (hashlib releases the GIL), so hashing overlaps inflating and tar reading."""

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


class HashingReader(io.RawIOBase):
    """The archive file as read: every chunk goes to the hasher; counts the bytes."""

    def __init__(self, handle, hasher):
        super().__init__()
        self.handle = handle
        self.hasher = hasher
        self.size = 0

    def readable(self):
        return True

    def readinto(self, buf):
        chunk = self.handle.read(len(buf))
        n = len(chunk)
        if n:
            buf[:n] = chunk
            self.size += n
            self.hasher.q.put(chunk)
        return n

    def drain(self):
        """Read (and hash) the rest of the file."""
        while self.readinto(bytearray(CHUNK)):
            pass


class _Header(tarfile.TarInfo):
    """tarfile's member header, remembering why reading a header failed: tarfile ends the iteration quietly on a
    damaged header after the first one, and this tells a damaged stream from a clean end."""

    @classmethod
    def fromtarfile(cls, tar):  # pylint: disable=arguments-renamed  # "tarfile" would hide the module
        try:
            return super().fromtarfile(tar)
        except tarfile.HeaderError as exc:
            tar.exrp_header_error = exc
            raise


class ImageTar:
    """What one reading of the tar gave: every regular file's size, the small metadata members' bytes, and why
    the reading stopped early (``error``, a sentence) if it did."""

    def __init__(self):
        self.members = {}   # name -> size
        self.kept = {}      # name -> bytes
        self.error = None

    def read(self, stream):
        """Read the tar from ``stream`` (a binary file object of the tar bytes) up to its end-of-archive block."""
        kept_bytes = 0
        current = None
        tar = None
        try:
            tar = tarfile.open(fileobj=stream, mode="r|", bufsize=CHUNK, tarinfo=_Header)
            for member in tar:
                current = member.name[2:] if member.name.startswith("./") else member.name
                if not member.isfile():
                    continue
                self.members[current] = member.size
                base = posixpath.basename(current)
                wanted = base.endswith(".json") or base == "repositories" or current.startswith("blobs/")
                if wanted and member.size <= MAX_MEMBER and kept_bytes + member.size <= MAX_KEPT:
                    self.kept[current] = tar.extractfile(member).read()
                    kept_bytes += member.size
        except (zlib.error, gzip.BadGzipFile) as exc:
            self.error = "the gzip stream is corrupt (%s)" % exc
        except EOFError:  # gzip: the compressed stream ends before its end marker
            self.error = "the gzip stream is truncated or corrupt (it ends before its end marker%s)" % (
                ", after the start of %s" % current if current else "")
        except tarfile.ReadError as exc:
            self.error = self._read_error(str(exc), current)
        if self.error is None and tar is not None:
            stop = getattr(tar, "exrp_header_error", None)
            if current is None and isinstance(stop, tarfile.EOFHeaderError):
                self.error = "it is not a tar archive (it starts with an empty block)"
            elif isinstance(stop, (tarfile.InvalidHeaderError, tarfile.SubsequentHeaderError)):
                self.error = "the tar stream is corrupt after %s" % current
            elif isinstance(stop, tarfile.TruncatedHeaderError):
                self.error = "the archive is truncated (it ends inside the header after %s)" % current
        return self

    def _read_error(self, reason, current):
        if reason.startswith("zlib error"):
            return "the gzip stream is corrupt (%s)" % reason
        if current is None:
            if reason == "end of file header":
                reason = "it starts with an empty block"
            elif reason in ("bad checksum", "invalid header"):
                reason = "bad header checksum"
            return "it is not a tar archive (%s)" % reason
        if reason == "unexpected end of data":
            return "the archive is truncated (it ends inside %s)" % current
        return "the tar stream is corrupt after %s (%s)" % (current, reason)


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
    return {"sha256": sha, "file_size": size, "compressed": bool(memo.get("compressed")),
            "info": {"image_id": info["image_id"], "size": info["size"]}, "error": None, "memo": True}


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
    """sha256 of the file and the single image it holds (see ``read_archive``).

    With ``memo_dir``, what was read from an archive is remembered under its sha256: a later scan of the same
    content only hashes the file (the content is identified by its digest, so what it holds cannot differ).
    """
    if not memo_dir:
        return read_archive(path)
    sha, size = hash_file(path)
    memo = _memo_load(memo_dir, sha, size)
    if memo is not None:
        return memo
    result = read_archive(path)
    if result["info"] is not None and result["sha256"] == sha and write_memo:
        _memo_save(memo_dir, result)
    return result


def read_archive(path):
    """Read ``path`` once: sha256 of the file, and the single image it holds.

    Returns dict(sha256, file_size, compressed, error, info, memo) where info is the parsed image (see
    ``parse_image``) or None; ``error`` says why the file is not a usable docker-save archive. The whole file is
    always read (so the checksum can be verified even when the archive is broken).
    """
    hasher = Hasher()
    hasher.start()
    try:
        with open(path, "rb", buffering=0) as handle:
            raw = HashingReader(handle, hasher)
            buffered = io.BufferedReader(raw, buffer_size=CHUNK)
            compressed = buffered.peek(2)[:2] == b"\x1f\x8b"
            stream = gzip.GzipFile(fileobj=buffered, mode="rb") if compressed else buffered
            tar = ImageTar().read(stream)
            raw.drain()
            file_size = raw.size
    finally:
        hasher.q.put(None)
        hasher.join()
    result = {"sha256": hasher.sha.hexdigest(), "file_size": file_size, "compressed": compressed, "info": None,
              "error": None, "memo": False}
    if file_size == 0:
        result["error"] = "the file is empty"
    elif tar.error:
        result["error"] = tar.error
    else:
        try:
            result["info"] = parse_image(tar)
        except ExrpImageError as exc:
            result["error"] = exc.msg
    return result


def parse_image(tar):
    """From a read docker-save archive (``ImageTar``): the one image it holds.

    Returns dict(image_id 'sha256:<hex>', size (bytes of its layers)). Raises ExrpImageError for anything that is
    not exactly one complete image.
    """
    if "manifest.json" not in tar.kept:
        raise ExrpImageError("it is not a docker-save archive (no manifest.json in the tar)")
    try:
        manifest = json.loads(tar.kept["manifest.json"])
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
    if config_name not in tar.kept:
        raise ExrpImageError("its image config %s is missing from the archive" % (config_name or "(none)"))
    config_bytes = tar.kept[config_name]
    image_id = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    named = re.search(r"([0-9a-f]{64})(?:\.json)?$", config_name)
    if named and named.group(1) != image_id[7:]:
        raise ExrpImageError("its image config %s does not match its own digest (corrupt archive)" % config_name)
    try:
        config = json.loads(config_bytes)
    except ValueError:
        raise ExrpImageError("its image config %s is not valid JSON" % config_name)
    missing = [la for la in layers if la not in tar.members]
    if missing:
        raise ExrpImageError("layer %s listed in manifest.json is missing from the archive" % missing[0])
    diff_ids = ((config.get("rootfs") or {}).get("diff_ids")) or []
    if len(diff_ids) != len(layers):
        raise ExrpImageError("manifest.json lists %d layers but the image config %d" % (len(layers), len(diff_ids)))
    return {"image_id": image_id, "size": sum(tar.members[la] for la in layers)}
