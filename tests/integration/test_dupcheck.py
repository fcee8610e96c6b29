# SPDX-License-Identifier: GPL-3.0-or-later
"""hack/dupcheck.py (make dupcheck, a stage of make test): six identical lines in two places are found, with their
line numbers; fewer, or lines that only look alike, are not; plugins/ has none."""

from __future__ import annotations

import subprocess
import sys

from servers import ROOT

SCRIPT = ROOT / "hack" / "dupcheck.py"
BLOCK = "".join("value_%d = compute(%d)\n" % (n, n) for n in range(6))


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          check=False)


def test_a_shared_run_is_reported_with_its_lines(tmp_path):
    (tmp_path / "a.py").write_text("# header\nimport os\n\n" + BLOCK.replace("\n", "  \n", 1) + "other()\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text("first: 1\n" + "".join("   " + line + "\n" for line in BLOCK.split("\n")[:-1]))
    result = run(tmp_path)
    assert result.returncode == 1, result
    assert result.stdout.splitlines()[0] == "%s/a.py:4-9 ~ %s/sub/b.yml:2-7" % (tmp_path, tmp_path)


def test_five_lines_or_other_values_are_not_a_pair(tmp_path):
    (tmp_path / "a.py").write_text(BLOCK)
    (tmp_path / "b.py").write_text(BLOCK.replace("compute(5)", "compute(50)"))
    (tmp_path / "c.py").write_text("\n".join(BLOCK.split("\n")[1:]))
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "0 pair(s)" in result.stderr
    assert run("--min-lines", 5, tmp_path).returncode == 1


def test_plugin_documentation_is_prose_and_left_out(tmp_path):
    for name in ("a.yml", "b.yml"):
        (tmp_path / name).write_text("---\nDOCUMENTATION:\n" + "".join("  " + line + "\n" for line in BLOCK.split("\n")))
    assert run(tmp_path).returncode == 0


def test_plugins_have_no_duplicates():
    result = run(ROOT / "plugins")
    assert result.returncode == 0, result.stdout
