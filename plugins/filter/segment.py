# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The EXEC deployment guide's rule "all EXEC VMs on the same local network segment", judged from host_probe's
routes part (module_utils/_routes.py). Used by the preflight role."""

from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.filter.inventory import exec_addresses
from ansible_collections.engage_exec.recording.plugins.module_utils._routes import segment_peers, segment_rows


def _hosts(hosts):
    return [hosts] if isinstance(hosts, str) else list(hosts or [])


def _addresses(hosts, hostvars):
    return dict(zip(hosts, exec_addresses(hosts, hostvars)))


def exec_segment_peers(hosts, host, hostvars):
    """The addresses ``host`` reads its routes to: those of the other ``hosts`` (exec_address), its own left out."""
    hosts = _hosts(hosts)
    return segment_peers(host, hosts, _addresses(list(dict.fromkeys(hosts + [host])), hostvars))


def exec_segment_rows(hosts, hostvars, routes_var="__preflight_routes"):
    """One row per pair of ``hosts`` at different addresses, from the routes each host read (its ``routes_var``,
    host_probe's routes part; a host without it was not probed)."""
    hosts = _hosts(hosts)
    routes_of = {}
    for host in hosts:
        hvars = hostvars.get(host) or {}
        routes = hvars.get(routes_var) if routes_var in hvars else None
        routes_of[host] = list(routes) if routes is not None else None
    return segment_rows(hosts, _addresses(hosts, hostvars), routes_of)


class FilterModule(object):
    """Network segment filters."""

    def filters(self):
        return {"exec_segment_peers": exec_segment_peers, "exec_segment_rows": exec_segment_rows}
