#!/usr/bin/env python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write (or, with --check, verify) the table of docs/fault-matrix.md from tests/integration/faults/cases.py.

The cases are the data the fault tests run; the table sits between two marker comments, the prose around it is the
author's. `make docs` writes, `make docs-check` fails when the document drifted from the cases.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "integration" / "faults" / "cases.py"
DOC = ROOT / "docs" / "fault-matrix.md"
BEGIN = ("<!-- BEGIN FAULT MATRIX: generated from tests/integration/faults/cases.py by hack/fault-table.py, "
         "do not edit -->")
END = "<!-- END FAULT MATRIX -->"
# Lab tests whose names state the expected outcome (one row per test function, its docstring as the details).
LAB_TESTS = (ROOT / "tests" / "integration" / "lab_e2e" / "test_faults_midrun.py",
             ROOT / "tests" / "integration" / "lab_e2e" / "test_awx_runner.py")
LAYERS = (("module", "Modules"), ("role", "Roles (argument specs and validate tasks)"),
          ("inventory", "Inventory (playbooks/validate.yml, filter exec_inventory_problems)"),
          ("host", "Hosts (tests/integration/preflight/test_preflight_segment.py, on VM-like hosts of its own)"),
          ("default", "Safe defaults"))
HEAD = """# Fault matrix: bad input and safe defaults

Every row is a test in `tests/integration/faults/` (the rows are the data those tests run; the rows of the
"Hosts" section are run by `tests/integration/preflight/test_preflight_segment.py` on hosts of its own). A bad-input
row fails with a message that contains the asserted text (the input's name and the fix), and the test proves that
what the column "checked unchanged" names did not change. A safe-default row asserts the default as Ansible reads it: the
module's argument spec and DOCUMENTATION, the role's defaults and argument spec, or the rendered template. Rows
marked *slow* run with `pytest -m slow`; the others with every run of the integration tests.

Faults in the middle of a run (GAX 503, registry down during a push, WebDAV disk full, an EXRP node that never gets
healthy, unreachable hosts), the secret audit of a full lab run and concurrent runs are tested against the lab: they
are the last section.

"""


def load_cases():
    spec = importlib.util.spec_from_file_location("fault_cases", CASES)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fault_cases"] = mod
    spec.loader.exec_module(mod)
    return mod.CASES


def lab_rows():
    """(file, expected outcome, details, slow) for every test function of LAB_TESTS."""
    for path in LAB_TESTS:
        tree = ast.parse(path.read_text())
        slow = any(isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets)
                   and "slow" in ast.unparse(node.value) for node in tree.body)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                outcome = node.name[len("test_"):].replace("_", " ")
                yield path.name, outcome[0].upper() + outcome[1:], ast.get_docstring(node) or "", slow


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render(cases) -> str:
    slow = sum(1 for c in cases if c.slow)
    bad = [c for c in cases if c.layer != "default"]
    parts = [BEGIN, "",
             "%d cases: %d bad-input, %d safe-default; %d fast, %d slow." % (
                 len(cases), len(bad), len(cases) - len(bad), len(cases) - slow, slow)]
    for layer, title in LAYERS:
        rows = [c for c in cases if c.layer == layer]
        if not rows:
            continue
        parts += ["", "## %s" % title, "",
                  "| case | target | bad input | expected outcome | asserted text | checked unchanged | speed |",
                  "|---|---|---|---|---|---|---|"]
        for c in rows:
            fragments = ", ".join("`%s`" % _cell("<%s>" % f[1:] if f.startswith("@") else f).replace("`", "'")
                                  for f in c.fragments)
            parts.append("| `%s` | %s | %s | %s | %s | %s | %s |" % (
                c.id, _cell(c.target), _cell(c.bad_input), _cell(c.outcome), fragments, _cell(c.unchanged),
                "slow" if c.slow else "fast"))
    lab = list(lab_rows())
    parts += ["", "## On the lab: faults in the middle of a run, concurrent runs, the secret audit", "",
              "%d tests against the lab (`tests/integration/lab_e2e/`); each name states the expected outcome." % len(lab),
              "", "| test file | expected outcome | details | speed |", "|---|---|---|---|"]
    for name, outcome, details, slow in lab:
        parts.append("| `%s` | %s | %s | %s |" % (name, _cell(outcome), _cell(details), "slow" if slow else "fast"))
    parts += ["", END]
    return "\n".join(parts)


def updated_doc() -> tuple[str, str]:
    old = DOC.read_text() if DOC.exists() else ""
    table = render(load_cases())
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + table + rest.split(END, 1)[1]
    else:
        new = HEAD + table + "\n"
    return old, new


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when docs/fault-matrix.md differs from the cases")
    args = parser.parse_args()
    old, new = updated_doc()
    if args.check:
        if old != new:
            print("docs/fault-matrix.md is out of date with tests/integration/faults/cases.py. Run "
                  "`python hack/fault-table.py` (make docs).")
            return 1
        print("fault matrix: up to date")
        return 0
    if old != new:
        DOC.write_text(new)
    print("fault matrix: %s" % ("updated" if old != new else "up to date"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
