# -*- coding: utf-8 -*-
# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a host_probe result says about a service: the one answer to "was it serving?" of the webdav and
load_balancer roles."""

from __future__ import annotations


def unit_serving(probe, unit, port):
    """True when the host_probe result ``probe`` found the systemd ``unit`` active, enabled at boot, and a process
    listening on TCP ``port``; False when any of the three is missing (units or listeners not asked included)."""
    probe = probe or {}
    units = (probe.get("units") or {}).get("units") or {}
    state = units.get(unit) or {}
    listeners = ((probe.get("listeners") or {}).get("ports") or {}).get(str(int(port))) or []
    return state.get("active") == "active" and state.get("enabled") == "enabled" and len(listeners) > 0


class FilterModule(object):
    """Service state filters."""

    def filters(self):
        return {"unit_serving": unit_serving}
