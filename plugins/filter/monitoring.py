# -*- coding: utf-8 -*-
# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prometheus scrape targets (file_sd) of an EXEC Recording Injection site, and the checks of the monitoring role's
input. Target lists are program logic: they live here, with unit tests, not in Jinja."""

from __future__ import annotations

import json
import re

from ansible_collections.engage_exec.recording.plugins.filter.inventory import exec_addresses

# The documented sizing rule: 30 GB of WebDAV storage per 1000 concurrent recording calls.
WEBDAV_BYTES_PER_CALL = 30 * 1000 ** 3 // 1000
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LABEL_VALUE_BAD = re.compile(r"[\"\\\n]")
_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def exec_prometheus_targets(jobs, groups, hostvars, site):
    """The file_sd content of every job of ``jobs`` (monitoring_targets): ``{service: [{"targets": ["addr:port"],
    "labels": {...}}]}``, one entry per host of the job's groups (each host once, in inventory order), at the address
    its peers use (exec_address, else ansible_host, else the inventory name). Labels: ``service``, ``node`` (the
    inventory name), ``site``, and ``__metrics_path__`` when the job names a path. A job whose groups hold no host
    gives an empty list (its file is still written, so that Prometheus drops targets that left the inventory)."""
    out = {}
    for job in jobs:
        names = job.get("groups") or []
        names = [names] if isinstance(names, str) else names
        hosts = []
        for group in names:
            for host in groups.get(group) or []:
                if host not in hosts:
                    hosts.append(host)
        entries = []
        for host, address in zip(hosts, exec_addresses(hosts, hostvars)):
            labels = {"service": job["service"], "node": host, "site": str(site)}
            if job.get("path"):
                labels["__metrics_path__"] = job["path"]
            if ":" in address and not address.startswith("["):
                address = "[%s]" % address  # an IPv6 literal
            entries.append({"targets": ["%s:%d" % (address, int(job["port"]))], "labels": labels})
        out[job["service"]] = entries
    return out


def monitoring_target_file(item, directory, site, owner=None, group=None):
    """A config_files entry for one service's file_sd file: ``item`` is ``{"key": service, "value": entries}`` (an
    item of ``exec_prometheus_targets(...) | dict2items``); the file is ``<directory>/targets/<site>-<service>.json``,
    sorted JSON ending with a new line, mode 0644."""
    entry = {"path": "%s/targets/%s-%s.json" % (directory.rstrip("/"), site, item["key"]),
             "content": json.dumps(item["value"], indent=2, sort_keys=True) + "\n", "mode": "0644"}
    if owner:
        entry["owner"] = owner
    if group:
        entry["group"] = group
    return entry


def exec_webdav_storage_bytes(concurrent_calls, ratio):
    """Bytes of recordings above which the WebDAV storage alert fires: ``ratio`` of the sized storage
    (30 GB per 1000 concurrent calls)."""
    return int(int(concurrent_calls) * WEBDAV_BYTES_PER_CALL * float(ratio))


def _int_in(value, low, high=None):
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    if number < low or (high is not None and number > high):
        return None
    return number


def monitoring_input_problems(params, groups):
    """Every problem of the monitoring role's input (``params``: the role's variables, figures as text), one sentence
    each naming the variable and what to change; an empty list when the input is usable."""
    problems = []
    site = str(params.get("monitoring_site", ""))
    if not site or _LABEL_VALUE_BAD.search(site):
        problems.append("monitoring_site must be a non-empty label value without quotes, backslashes or new lines "
                        "(got %r)." % site)
    for key in ("monitoring_dir",):
        path = str(params.get(key, ""))
        if not path.startswith("/"):
            problems.append("%s must be an absolute path (got %r)." % (key, path))
    jobs = params.get("monitoring_targets")
    if not isinstance(jobs, list) or not jobs:
        problems.append("monitoring_targets must be a non-empty list of {service, groups, port, path}.")
        jobs = []
    seen = set()
    for index, job in enumerate(jobs):
        where = "monitoring_targets[%d]" % index
        if not isinstance(job, dict):
            problems.append("%s must be a dict {service, groups, port, path}." % where)
            continue
        service = str(job.get("service", ""))
        if not _NAME.match(service):
            problems.append("%s.service must be a lower-case name ([a-z][a-z0-9_]*), got %r." % (where, service))
        elif service in seen:
            problems.append("%s.service %r is listed twice: each service has one target file." % (where, service))
        seen.add(service)
        names = job.get("groups")
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not names:
            problems.append("%s.groups must name at least one inventory group." % where)
        if _int_in(job.get("port", ""), 1, 65535) is None:
            problems.append("%s.port must be a TCP port (1-65535), got %r." % (where, job.get("port")))
        path = job.get("path", "/metrics")
        if path and not str(path).startswith("/"):
            problems.append("%s.path must start with '/', got %r." % (where, path))
    for key in ("monitoring_down_for", "monitoring_exrp_down_for", "monitoring_no_injection_window",
                "monitoring_clock_unsynced_for", "monitoring_clock_offset_for", "monitoring_webdav_storage_for",
                "monitoring_lb_backend_down_for"):
        if not _DURATION.match(str(params.get(key, ""))):
            problems.append("%s must be a Prometheus duration such as 30s, 5m or 24h (got %r)."
                            % (key, params.get(key)))
    exrp_group = str(params.get("monitoring_exrp_group", ""))
    exrp_min = _int_in(params.get("monitoring_exrp_min_healthy", ""), 1)
    if exrp_min is None:
        problems.append("monitoring_exrp_min_healthy must be a whole number >= 1 (N+1: at least 2 at a site), "
                        "got %r." % params.get("monitoring_exrp_min_healthy"))
    elif exrp_group in groups and exrp_min > len(groups[exrp_group]):
        problems.append("monitoring_exrp_min_healthy is %d but the group %s has %d host(s): the alert would always "
                        "fire. Lower it or add EXRP hosts." % (exrp_min, exrp_group, len(groups[exrp_group])))
    if _int_in(params.get("monitoring_webdav_concurrent_calls", ""), 1) is None:
        problems.append("monitoring_webdav_concurrent_calls must be a whole number >= 1, got %r."
                        % params.get("monitoring_webdav_concurrent_calls"))
    try:
        ratio = float(str(params.get("monitoring_webdav_storage_ratio", "")))
        if not 0 < ratio <= 1:
            raise ValueError
    except ValueError:
        problems.append("monitoring_webdav_storage_ratio must be a number above 0 and at most 1 (0.8 = alert at 80%% "
                        "of the sized storage), got %r." % params.get("monitoring_webdav_storage_ratio"))
    try:
        if float(str(params.get("monitoring_clock_max_offset_seconds", ""))) <= 0:
            raise ValueError
    except ValueError:
        problems.append("monitoring_clock_max_offset_seconds must be a number of seconds above 0, got %r."
                        % params.get("monitoring_clock_max_offset_seconds"))
    return problems


class FilterModule(object):
    """Monitoring filters."""

    def filters(self):
        return {"exec_prometheus_targets": exec_prometheus_targets,
                "exec_webdav_storage_bytes": exec_webdav_storage_bytes,
                "monitoring_input_problems": monitoring_input_problems,
                "monitoring_target_file": monitoring_target_file}
