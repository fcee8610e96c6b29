# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The archive reader exrp_image had before 1.1.0: its own incremental tar parser over zlib, fed with 1 MiB chunks.

Kept here only so that bench_archive_reader.py can compare it with what the module uses now (tarfile in stream mode
over gzip); the collection does not ship or import it.
"""

from __future__ import annotations

import posixpath
import zlib

from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_archive import (
    CHUNK, MAX_KEPT, MAX_MEMBER, Hasher, parse_image)
from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_ref import ExrpImageError


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


def scan_stream(path):
    """Read ``path`` once: sha256 of the file, and the single image it holds.

    Returns dict(sha256, file_size, compressed, error, info) where info is the parsed image (see
    ``parse_image``) or None; ``error`` says why the file is not a usable docker-save archive. The whole file is
    always read (so the checksum can be verified even when the archive is broken).
    """
    hasher = Hasher()
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
