# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest hooks: a skipped test fails the session unless tests/skip-allowlist.yml lists it with its reason.

A machine without what a test needs (a Docker engine, an image) must not go green with that test skipped.
The conftest.py files of tests/integration and tests/unit import these hooks.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ALLOWLIST = Path(__file__).with_name("skip-allowlist.yml")
_SKIPPED = {}


def allowed():
    """{node id without parameters: reason} from the allow-list."""
    entries = yaml.safe_load(ALLOWLIST.read_text(encoding="utf-8")) or []
    return {e["test"]: e["reason"] for e in entries}


def _base(nodeid):
    """The node id from tests/ on, parameters dropped: the same under ansible-test's copy of the collection."""
    nodeid = nodeid.split("[", 1)[0]
    at = nodeid.find("tests/")
    return nodeid[at:] if at >= 0 else nodeid


def pytest_runtest_logreport(report):
    """Remember every skipped test (in setup or in the call) with its reason."""
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _SKIPPED[report.nodeid] = reason


def unlisted():
    """[(node id, skip reason)] of the skips the allow-list does not name."""
    ok = allowed()
    return sorted((nodeid, reason) for nodeid, reason in _SKIPPED.items() if _base(nodeid) not in ok)


def pytest_terminal_summary(terminalreporter):
    """Name each skip that is not allowed, and where to list it if it should be."""
    bad = unlisted()
    if bad:
        terminalreporter.section("skips not in tests/skip-allowlist.yml (they fail this run)", red=True)
        for nodeid, reason in bad:
            terminalreporter.line("%s: %s" % (nodeid, reason))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """Turn a green (or empty) run with an unlisted skip into a failed one."""
    if unlisted() and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
