# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """Attributes of the modules that only read (connectivity_check, time_sync_check, tcp_listeners, host_resources,
    host_probe)."""

    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs the same in check mode; C(changed) is always false.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
  idempotent:
    support: full
    description: Never changes anything, on the host or on the peers it probes.
"""
