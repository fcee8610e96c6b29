# -*- coding: utf-8 -*-
# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which EXEC services a host runs, and the check rows (connectivity_check) the exec_services role proves them with."""

from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.filter.inventory import exec_addresses


def exec_services_on_host(services, groups, host):
    """The entries of ``services`` (exec_services_services) whose inventory group (``group``, else ``name``) holds
    ``host``, in their order (the start order)."""
    return [s for s in services if host in (groups.get(s.get("group") or s["name"]) or [])]


def exec_services_metrics_checks(services, path):
    """One connectivity_check row per service of ``services``: its metrics ``path`` on 127.0.0.1 at its port, 200."""
    return [{"name": "%s metrics" % s["name"], "host": "127.0.0.1", "port": int(s["port"]), "protocol": "http",
             "path": path, "status_codes": [200]} for s in services]


def exec_host_checks(hosts, hostvars, fields=None):
    """One connectivity_check row per host of ``hosts``: named after the host, at the address its peers use
    (exec_addresses), with ``fields`` (port, protocol, path ...) added."""
    hosts = [hosts] if isinstance(hosts, str) else list(hosts)
    return [dict(fields or {}, name=host, host=address) for host, address in zip(hosts, exec_addresses(hosts, hostvars))]


def exec_metric_sum(text, name):
    """The sum of every sample of the metric ``name`` in a Prometheus text exposition ``text`` (all label sets), or
    None when the text has no sample of it (the release does not expose that metric)."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    total, found = 0.0, False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        metric, _sep, rest = line.partition(" ")
        if metric.split("{", 1)[0] != name:
            continue
        # The labels may hold spaces: the value is the first field after the closing brace.
        if "{" in metric and "}" not in metric:
            rest = line.split("}", 1)[1] if "}" in line else ""
        fields = rest.split()
        if not fields:
            continue
        try:
            total += float(fields[0])
        except ValueError:
            continue
        found = True
    return total if found else None


class FilterModule(object):
    """EXEC services filters."""

    def filters(self):
        return {"exec_services_on_host": exec_services_on_host,
                "exec_services_metrics_checks": exec_services_metrics_checks,
                "exec_host_checks": exec_host_checks,
                "exec_metric_sum": exec_metric_sum}
