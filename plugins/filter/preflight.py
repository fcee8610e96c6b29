# -*- coding: utf-8 -*-
# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight role's findings: a host against the requirements of its groups, and every problem of a host as one
readable line (the report and the verdict show these)."""

from __future__ import annotations

import re

from ansible.module_utils.compat.version import LooseVersion

_LEADING_VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*")


def _at_least(found, wanted):
    """Whether the version ``found`` (its leading dotted numbers) is ``wanted`` or later; False when it has none."""
    match = _LEADING_VERSION.match(str(found or ""))
    return bool(match) and LooseVersion(match.group(0)) >= LooseVersion(str(wanted))


def _truncate(text, length, leeway=5):
    """``text`` cut to ``length`` characters, ending in '...', when it is more than ``leeway`` longer (as Jinja's
    truncate filter with killwords)."""
    text = str(text)
    return text if len(text) <= length + leeway else text[:length - 3] + "..."


def _set(requirement, key):
    return requirement.get(key) is not None


def preflight_requirement_rows(requirements, group_names, facts, resources, architectures):
    """This host against the requirements of each of its groups (``requirements``: preflight_requirements by group):
    [{group, item, wanted, found, ok, hint}], the architecture first. ``resources``: host_probe's resources part."""
    facts, res = facts or {}, resources or {}
    arch = facts.get("architecture") or ""
    rows = [{"group": "all", "item": "64-bit architecture", "wanted": " or ".join(architectures),
             "found": arch or "unknown", "ok": arch in architectures, "hint": "EXEC runs on 64-bit Linux"}]
    docker = res.get("docker") or {}
    for group in (g for g in requirements if g in group_names):
        req = requirements[group] or {}
        if _set(req, "kernel"):
            rows.append({"group": group, "item": "kernel", "wanted": ">= %s" % req["kernel"],
                         "found": facts.get("kernel") or "unknown", "ok": _at_least(facts.get("kernel"), req["kernel"]),
                         "hint": "upgrade the kernel (or the distribution)"})
        if _set(req, "service_manager"):
            manager = req["service_manager"]
            rows.append({"group": group, "item": "service manager", "wanted": manager,
                         "found": facts.get("service_mgr") or "unknown", "ok": facts.get("service_mgr") == manager,
                         "hint": "use a host (VM) whose PID 1 is %s: the role of this group starts, reloads and "
                                 "enables its service through it" % manager})
        if _set(req, "docker"):
            version = docker.get("version") or ""
            error = docker.get("error") or res.get("msg") or ""
            rows.append({"group": group, "item": "Docker engine", "wanted": ">= %s" % req["docker"],
                         "found": version or "not found: " + _truncate(error, 120),
                         "ok": _at_least(version, req["docker"]),
                         "hint": "install Docker >= %s and start the daemon" % req["docker"]})
        if _set(req, "cpus"):
            cpus = int(res.get("cpus") or 0)
            rows.append({"group": group, "item": "CPUs", "wanted": ">= %s" % req["cpus"], "found": str(cpus),
                         "ok": cpus >= int(req["cpus"]), "hint": "give the VM more vCPUs"})
        if _set(req, "memory_mb"):
            memory = int(res.get("memory_mb") or 0)
            rows.append({"group": group, "item": "RAM (MB)", "wanted": ">= %s" % req["memory_mb"], "found": str(memory),
                         "ok": memory >= int(req["memory_mb"]), "hint": "give the VM more memory"})
        if _set(req, "disk_gb"):
            path = req.get("disk_path") or "/"
            disk = next((d for d in res.get("disks") or [] if d.get("path") == path), {})
            measured = disk.get("free_kb") is not None
            free = int(disk["free_kb"]) / 1048576 if measured else 0
            where = (" on %s" % disk.get("mount")) if measured else \
                " (%s)" % _truncate(disk.get("error") or res.get("msg") or "not measured", 100)
            rows.append({"group": group, "item": "free disk (GB) under %s" % path, "wanted": ">= %s" % req["disk_gb"],
                         "found": "%.1f%s" % (free, where), "ok": free >= float(req["disk_gb"]),
                         "hint": "grow the file system holding %s" % path})
    return rows


def _check_problems(part, result, reason_text):
    if not result or result.get("skipped"):
        return []
    if "results" not in result:
        return ["[%s] %s" % (part, result.get("msg", "connectivity_check gave no result"))]
    return ["[%s] %s -> %s:%s (%s): %s - %s" % (part, r["name"], r["host"], r["port"], r["protocol"],
                                                reason_text.get(r["reason"], r["reason"]), r["error"])
            for r in result["results"] if not r["ok"] and r["required"]]


def preflight_problems(requirement_rows, time, connectivity, services, reason_text, segment_rows=None, host=None):
    """Every problem of ``host``, one line each: unmet requirements, the clock (time_sync_check's problems), the
    required connectivity rows and EXEC services that failed (``reason_text`` names each reason), and the pairs of
    ``segment_rows`` (exec_segment_rows) whose route from this host goes through a router."""
    out = ["[requirements] %s: %s is %s, needs %s (%s)" % (r["group"], r["item"], r["found"], r["wanted"], r["hint"])
           for r in requirement_rows or [] if not r["ok"]]
    if time and not time.get("skipped"):
        found = time["problems"] if "problems" in time else [time.get("msg", "time_sync_check gave no result")]
        out.extend("[time] %s" % p for p in found)
    out.extend(_check_problems("connectivity", connectivity, reason_text or {}))
    out.extend(_check_problems("services", services, reason_text or {}))
    out.extend("[segment] %s" % r["problems"][host] for r in segment_rows or [] if host in r["problems"])
    return out


class FilterModule(object):
    """Preflight findings."""

    def filters(self):
        return {"preflight_requirement_rows": preflight_requirement_rows, "preflight_problems": preflight_problems}
