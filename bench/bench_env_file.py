# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""env_file versus the usual alternative, a loop of ansible.builtin.lineinfile, on localhost.

Both set the same 20 keys (half already in the file with another value, half new) in a 400-line .env, first run and
idempotent rerun; the resulting files are compared. Then the backend alone on a large file.
Targets: identical files, env_file no slower than the loop (first run and rerun), the backend's parse+plan of a
100000-line file under 1 s.
Run: .venv/bin/python bench/bench_env_file.py   (about 30 s)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import BIN, ROOT, exit_code, target  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.engage_exec.recording.plugins.module_utils._envfile import parse, plan  # noqa: E402

N_KEYS = 20
N_LINES = 400
PLAN_BUDGET = 1.0  # s: a .env a hundred times larger than a real one still costs less than one task

PLAY_ENV_FILE = """
- hosts: all
  gather_facts: false
  tasks:
    - engage_exec.recording.env_file:
        path: "{{ path }}"
        values: "{{ keys }}"
"""

PLAY_LINEINFILE = """
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.lineinfile:
        path: "{{ path }}"
        regexp: "^{{ item.key }}="
        line: "{{ item.key }}={{ item.value }}"
      loop: "{{ keys | dict2items }}"
"""


def existing_text():
    lines = []
    for i in range(N_LINES // 2):
        lines.append("# comment %d" % i)
        lines.append("VENDOR_KEY_%03d=value-%d" % (i, i))
    for i in range(N_KEYS // 2):
        lines.append("RECORDING_KEY_%02d=old" % i)
    return "\n".join(lines) + "\n"


def wanted():
    return dict(("RECORDING_KEY_%02d" % i, "new-%d" % i) for i in range(N_KEYS))


def run_play(workdir, play_text, path):
    play = workdir / "play.yml"
    play.write_text(play_text)
    extra = dict(path=str(path), keys=wanted(), ansible_connection="local",
                 ansible_python_interpreter=str(BIN / "python"))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    start = time.monotonic()
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", str(play), "-e", json.dumps(extra)],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode:
        raise SystemExit(proc.stdout[-3000:])
    return elapsed


def main():
    with tempfile.TemporaryDirectory(prefix="bench-env-file-") as tmp:
        tmp = Path(tmp)
        results = {}
        for name, play in (("env_file", PLAY_ENV_FILE), ("lineinfile loop", PLAY_LINEINFILE)):
            path = tmp / ("%s.env" % name.replace(" ", "_"))
            path.write_text(existing_text())
            first = run_play(tmp, play, path)
            rerun = run_play(tmp, play, path)
            results[name] = (first, rerun, path.read_bytes())
        same = results["env_file"][2] == results["lineinfile loop"][2]
        ef, li = results["env_file"], results["lineinfile loop"]
        print("Set %d keys (%d updated, %d added) in a %d-line .env on localhost (ansible-playbook wall time):"
              % (N_KEYS, N_KEYS // 2, N_KEYS - N_KEYS // 2, N_LINES + N_KEYS // 2))
        print("  %-18s %10s %10s" % ("", "first", "rerun"))
        print("  %-18s %9.2fs %9.2fs" % ("env_file", ef[0], ef[1]))
        print("  %-18s %9.2fs %9.2fs" % ("lineinfile loop", li[0], li[1]))
        print("  %-18s %9.2fx %9.2fx" % ("lineinfile/env_file", li[0] / ef[0], li[1] / ef[1]))
        target("resulting files identical", same, "True", same)
        target("env_file first run", "%.2f s" % ef[0], "<= loop %.2f s" % li[0], ef[0] <= li[0])
        target("env_file rerun", "%.2f s" % ef[1], "<= loop %.2f s" % li[1], ef[1] <= li[1])

    # The backend alone: parse + plan on a large file, against a bare str.split of the same text.
    big = "".join("# c %d\nKEY_%05d=v%d\n" % (i, i, i) for i in range(50000))
    values = dict(("KEY_%05d" % i, "w") for i in range(0, 50000, 50))
    start = time.perf_counter()
    result = plan(big, values)
    t_plan = time.perf_counter() - start
    start = time.perf_counter()
    big.split("\n")
    t_split = time.perf_counter() - start
    start = time.perf_counter()
    parse(big)
    t_parse = time.perf_counter() - start
    print("Backend on a 100000-line file, 1000 keys updated: parse %.3fs, parse+plan %.3fs, bare split %.4fs "
          "(plan/split %.0fx); %d keys updated" % (t_parse, t_plan, t_split, t_plan / t_split, len(result.updated)))
    target("backend parse+plan, 100000 lines", "%.3f s" % t_plan, "< %.1f s" % PLAN_BUDGET, t_plan < PLAN_BUDGET)
    return exit_code()


if __name__ == "__main__":
    sys.exit(main())
