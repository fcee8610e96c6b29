# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests (ansible-test units): a skip not in tests/skip-allowlist.yml fails the run."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

from skipguard import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    pytest_runtest_logreport, pytest_sessionfinish, pytest_terminal_summary)
