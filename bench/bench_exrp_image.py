# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of engage_exec.recording.exrp_image with a ~250 MB EXRP archive (random data: gzip cannot shrink it).

Side by side, in one run, against the real lab registry (docker-registry, TLS, htpasswd) and the local engine:
  - first run of the module (load + push + digest confirmation);
  - unchanged rerun of the module, against ``sha256sum`` of the same file (the floor: the archive is read once) and
    against community.docker.docker_image_load + docker_image_push doing the same rerun.
Every module runs as its own process, as Ansible runs it (python + JSON arguments); peak memory is the process's
maximum resident set size (``os.wait4`` rusage, the kernel's VmHWM).
Targets: rerun <= 1.5 x sha256sum, >= 5 x faster than the pair, module peak memory < 100 MB.
Images, files and the registry are removed at the end.

    .venv/bin/python bench/bench_exrp_image.py [--size-mb 250] [--repeat 3]
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
COLLECTIONS = ROOT / ".cache" / "collections"
MODULE = ROOT / "plugins" / "modules" / "exrp_image.py"
CD_MODULES = COLLECTIONS / "ansible_collections" / "community" / "docker" / "plugins" / "modules"
TAG = "100.0.100.250"


def _registry_helper():
    spec = importlib.util.spec_from_file_location("lab_registry", ROOT / "lab" / "registry" / "registry.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["lab_registry"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def run_module(path: Path, args: dict, workdir: Path, env: dict | None = None) -> tuple[float, float, dict]:
    """Run one Ansible module as a process; returns (seconds, peak RSS in MB, result)."""
    tmp = Path(tempfile.mkdtemp(dir=workdir, prefix="mod-"))
    args = dict(args, _ansible_tmpdir=str(tmp), _ansible_remote_tmp=str(tmp), _ansible_keep_remote_files=False)
    argfile = tmp / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    full_env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
    full_env.update(env or {})
    out_path = tmp / "out.json"
    start = time.perf_counter()
    with open(out_path, "w") as out:
        proc = subprocess.Popen([PYTHON, str(path), str(argfile)], stdout=out, stderr=subprocess.STDOUT,
                                env=full_env)
        _pid, _status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    text = out_path.read_text()
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        result = json.loads(text[text.index("{"):])
    except ValueError:
        raise SystemExit("%s printed no JSON:\n%s" % (path.name, text[-2000:]))
    if result.get("failed"):
        raise SystemExit("%s failed: %s" % (path.name, result.get("msg")))
    return elapsed, usage.ru_maxrss / 1024.0, result


def timed(cmd: list) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def make_archive(workdir: Path, size_mb: int, ref: str) -> tuple[Path, str]:
    """An image with ``size_mb`` MiB of random data in 4 files (one layer), saved and gzipped as exrp-<tag>.tgz."""
    tree = workdir / "tree"
    (tree / "opt" / "exrp").mkdir(parents=True)
    per_file = max(1, size_mb // 4)
    for i in range(4):
        with open(tree / "opt" / "exrp" / ("data%d.bin" % i), "wb") as f:
            for _mb in range(per_file):
                f.write(os.urandom(1 << 20))
    tar = subprocess.Popen(["tar", "-C", str(tree), "-c", "."], stdout=subprocess.PIPE)
    image_id = subprocess.run(["docker", "import", "-c", "LABEL engage-exec-test=1", "-", ref], stdin=tar.stdout,
                              check=True, capture_output=True, text=True).stdout.strip()
    tar.wait()
    shutil.rmtree(tree)
    archive = workdir / ("exrp-%s.tgz" % TAG)
    subprocess.run(["bash", "-o", "pipefail", "-c", "docker save %s | gzip -1 > %s" % (ref, archive)], check=True)
    return archive, image_id


def main() -> int:
    parser = argparse.ArgumentParser(description="exrp_image benchmark")
    parser.add_argument("--size-mb", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-exrp-image-"))
    reg = None
    images = []
    image_id = None
    try:
        reg = _registry_helper().start_registry(work / "registry")
        target = "%s/exec/exrp" % reg.address
        ref = "%s:%s" % (target, TAG)  # the archive carries the registry name, so the pair needs no extra tag step
        t0 = time.perf_counter()
        archive, image_id = make_archive(work, opts.size_mb, ref)
        images.append(image_id)
        subprocess.run(["docker", "rmi", ref], check=True, capture_output=True)
        size = archive.stat().st_size
        made = time.perf_counter() - t0
        print("archive: %s, %.0f MB (gzip of random data), made in %.1f s" % (archive.name, size / 1e6, made))
        checksum = "sha256:" + subprocess.run(["sha256sum", str(archive)], check=True, capture_output=True,
                                              text=True).stdout.split()[0]
        margs = {"src": str(archive), "checksum": checksum, "registry": reg.address, "repository": "exec/exrp",
                 "registry_username": reg.username, "registry_password": reg.password, "ca_path": str(reg.ca_path),
                 "scan_cache_dir": str(work / "scan-cache")}
        full_args = dict(margs, scan_cache_dir="")  # no memo: hash + gunzip + tar scan of the whole archive

        first_s, first_mb, res = run_module(MODULE, margs, work)
        assert res["changed"] and res["pushed"], res
        print("\nfirst run (verify + load + push + confirm): %.2f s, peak RSS %.1f MB, digest %s"
              % (first_s, first_mb, res["digest"][:19]))

        # warm the page cache identically for everyone, then alternate the contenders
        timed(["sha256sum", str(archive)])
        reruns, fulls, rss, sums = [], [], [], []
        for _round in range(opts.repeat):
            sums.append(timed(["sha256sum", str(archive)]))
            sec, mb, res = run_module(MODULE, margs, work)
            assert res["changed"] is False and res["loaded"] is False, res
            reruns.append(sec)
            rss.append(mb)
            sec, mb, res = run_module(MODULE, full_args, work)
            assert res["changed"] is False and res["loaded"] is False, res
            fulls.append(sec)
            rss.append(mb)

        # community.docker pair: load the same archive, then push (credentials through a throwaway DOCKER_CONFIG).
        # (a) the engine still holds the image (same delegate host as last time); (b) it does not (another
        # delegate host, or images pruned): the load then writes the layers again.
        dcfg = work / "docker-config"
        dcfg.mkdir()
        auth = base64.b64encode(("%s:%s" % (reg.username, reg.password)).encode()).decode()
        (dcfg / "config.json").write_text(json.dumps({"auths": {reg.address: {"auth": auth}}}))
        (dcfg / "config.json").chmod(0o600)
        env = {"DOCKER_CONFIG": str(dcfg)}
        pairs = {"a": [], "b": []}
        pair_rss = []
        for _round in range(max(1, opts.repeat - 1)):
            for case in ("a", "b"):
                if case == "b":
                    subprocess.run(["docker", "rmi", "-f", image_id], capture_output=True, check=False)
                s1, m1, _r1 = run_module(CD_MODULES / "docker_image_load.py", {"path": str(archive)}, work, env)
                s2, m2, _r2 = run_module(CD_MODULES / "docker_image_push.py", {"name": target, "tag": TAG}, work,
                                         env)
                pairs[case].append(s1 + s2)
                pair_rss.append(max(m1, m2))

        rerun, floor = min(reruns), min(sums)
        pair_a, pair_b = min(pairs["a"]), min(pairs["b"])
        print("\nunchanged rerun, %.0f MB archive, best (median) of %d, load average %.1f:"
              % (size / 1e6, opts.repeat, os.getloadavg()[0]))
        row = "  %-58s %6.2f s (%5.2f)"
        print(row % ("exrp_image: verify sha256 + ask registry (default)", rerun, statistics.median(reruns))
              + "   peak RSS %5.1f MB" % max(rss))
        print(row % ("exrp_image, scan_cache_dir='': sha256 + gunzip + tar scan", min(fulls),
                     statistics.median(fulls)))
        print(row % ("sha256sum (the floor)", floor, statistics.median(sums)))
        print(row % ("docker_image_load + docker_image_push, image in engine", pair_a, statistics.median(pairs["a"]))
              + "   peak RSS %5.1f MB" % max(pair_rss))
        print(row % ("docker_image_load + docker_image_push, image not in engine", pair_b,
                     statistics.median(pairs["b"])))
        peak = max(rss + [first_mb])
        med = statistics.median
        checks = [("rerun / sha256sum", rerun / floor, med(reruns) / med(sums), "<= 1.5", rerun <= 1.5 * floor),
                  ("rerun without memo / sha256sum", min(fulls) / floor, med(fulls) / med(sums), "<= 1.5",
                   min(fulls) <= 1.5 * floor),
                  ("pair (image in engine) / rerun", pair_a / rerun, med(pairs["a"]) / med(reruns), ">= 5",
                   pair_a >= 5 * rerun),
                  ("pair (image not in engine) / rerun", pair_b / rerun, med(pairs["b"]) / med(reruns), ">= 5",
                   pair_b >= 5 * rerun),
                  ("module peak RSS, MB", peak, peak, "< 100", peak < 100)]
        print("\nratios (best, median):")
        for name, value, median_value, target_txt, ok in checks:
            verdict = "OK" if ok else "MISSED"
            print("  %-38s %6.2f %6.2f   target %-6s %s" % (name, value, median_value, target_txt, verdict))
        return 0 if all(c[4] for c in checks) else 1
    finally:
        for img in images:
            subprocess.run(["docker", "rmi", "-f", img], capture_output=True, check=False)
        if reg is not None:
            reg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
