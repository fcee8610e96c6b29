# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab end-to-end tests import their helper (labctl.py) from this folder."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
