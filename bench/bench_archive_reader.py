# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of the archive reader of exrp_image: what the module uses (``_exrp_archive.read_archive``: the standard
library's ``tarfile`` in stream mode ``r|`` over ``gzip.GzipFile``) beside two alternatives doing the same job:
``tarfile`` in stream mode with its own decompression (``r|*``), and the hand-written tar parser over ``zlib`` the
module had before 1.1.0 (kept only in bench/handwritten_tar_reader.py, for this comparison).

The job, every way: read a gzip-compressed ``docker save`` archive once, compute the sha256 of the file (in a
thread, as the module does) and keep the small metadata members (``manifest.json``, the image config,
``repositories``). Every contender is given the same hasher thread and the same 1 MiB reads, so the only difference
is the tar and gzip reading. ``r|*`` inflates each 1 MiB read whole (its memory grows with the compression ratio);
the module's reader and the hand-written one inflate at most what they are asked for. The floors are printed too:
sha256 of the file alone, and inflating it alone (zlib, no tar parsing).

The archive is made in a temporary folder from the host's programs and libraries (which gzip shrinks as it does a
real application image) and removed at the end. No network, no Docker.

    .venv/bin/python bench/bench_archive_reader.py [--size-mb 250] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.engage_exec.recording.plugins.module_utils import _exrp_archive  # noqa: E402

import handwritten_tar_reader  # noqa: E402  (bench/, beside this file)

CHUNK = _exrp_archive.CHUNK
METADATA = (".json", "repositories")


def make_archive(folder: Path, size_mb: int) -> Path:
    """A docker-save archive (one image, layers of host files up to size_mb), gzip -6 as `docker save | gzip`."""
    layer = folder / "layer.tar"
    total = 0
    with tarfile.open(layer, "w") as tar:
        for base in ("/usr/lib", "/usr/bin", "/usr/share"):
            for dirpath, _dirs, files in os.walk(base):
                for name in files:
                    path = os.path.join(dirpath, name)
                    if total >= size_mb << 20 or os.path.islink(path) or not os.path.isfile(path):
                        continue
                    try:
                        tar.add(path)
                        total += os.path.getsize(path)
                    except OSError:
                        continue
    diff_id = "sha256:" + hashlib.sha256(layer.read_bytes()).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers",
                                                                            "diff_ids": [diff_id]}}).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["registry.example:5000/exec/exrp:100.0.100.250"],
                            "Layers": ["layer0/layer.tar"]}]).encode()
    plain = folder / "exrp-100.0.100.250.tar"
    with tarfile.open(plain, "w") as tar:
        for name, data in ((config_name, config), ("manifest.json", manifest),
                           ("repositories", b'{"registry.example:5000/exec/exrp":{"100.0.100.250":"x"}}')):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        tar.add(layer, "layer0/layer.tar")
    layer.unlink()
    archive = folder / "exrp-100.0.100.250.tgz"
    with open(archive, "wb") as out:
        subprocess.run(["gzip", "-6", "-c", str(plain)], stdout=out, check=True)
    plain.unlink()
    return archive


def scan_with_tarfile(path):
    """The same result as read_archive (sha256, metadata members) with tarfile's own decompression (``r|*``)."""
    hasher = _exrp_archive.Hasher()
    hasher.start()
    kept = {}
    try:
        with open(path, "rb", buffering=0) as handle:
            reader = _exrp_archive.HashingReader(handle, hasher)
            with tarfile.open(fileobj=reader, mode="r|*", bufsize=CHUNK) as tar:
                for member in tar:
                    if member.isfile() and member.name.endswith(METADATA) and member.size <= _exrp_archive.MAX_MEMBER:
                        kept[member.name] = tar.extractfile(member).read()
            reader.drain()  # the rest of the file after the end-of-archive blocks, for the checksum
    finally:
        hasher.q.put(None)
        hasher.join()
    return hasher.sha.hexdigest(), kept


def sha256_only(path):
    sha = hashlib.sha256()
    with open(path, "rb", buffering=0) as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            sha.update(chunk)
    return sha.hexdigest()


def inflate_only(path):
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    with open(path, "rb", buffering=0) as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            data = chunk
            while data:
                inflater.decompress(data, CHUNK * 4)
                data = inflater.unconsumed_tail


def best(func, path, repeat):
    """(wall seconds, CPU seconds of the process, all threads) of the best of ``repeat`` runs. On a shared machine
    the CPU seconds are the steadier figure: they do not count the time other processes had the cores."""
    times = []
    for _run in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        func(path)
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    return min(t[0] for t in times), min(t[1] for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--size-mb", type=int, default=250, help="layer content before compression (MB)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each contender; the best is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as folder:
        archive = make_archive(Path(folder), args.size_mb)
        ours = _exrp_archive.read_archive(str(archive))
        old = handwritten_tar_reader.scan_stream(str(archive))
        theirs_sha, theirs_kept = scan_with_tarfile(archive)
        assert ours["error"] is None and ours["info"], ours
        assert ours["sha256"] == old["sha256"] == theirs_sha and ours["info"] == old["info"]
        assert "manifest.json" in theirs_kept
        print("archive: %.0f MB gzip (%d MB of files inside), best of %d runs"
              % (archive.stat().st_size / 1e6, args.size_mb, args.repeat))
        floor_sha = best(sha256_only, archive, args.repeat)
        floor_inflate = best(inflate_only, archive, args.repeat)
        module = best(_exrp_archive.read_archive, str(archive), args.repeat)
        stream = best(scan_with_tarfile, archive, args.repeat)
        handwritten = best(handwritten_tar_reader.scan_stream, str(archive), args.repeat)
        print("%-52s %8s %8s %7s" % ("", "wall s", "CPU s", "CPU x"))
        rows = (("floor: sha256 of the file", floor_sha), ("floor: inflate only (zlib)", floor_inflate),
                ("exrp_image reader: tarfile r| over gzip (module)", module),
                ("tarfile r|* (its own decompression)", stream),
                ("hand-written parser (before 1.1.0, bench only)", handwritten))
        for label, (wall, cpu) in rows:
            print("  %-50s %8.2f %8.2f %7.2f" % (label, wall, cpu, cpu / module[1]))


if __name__ == "__main__":
    main()
