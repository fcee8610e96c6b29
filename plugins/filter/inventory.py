# -*- coding: utf-8 -*-
# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Inventory contract checks used by the validation play (playbooks/validate.yml)."""

from __future__ import annotations

import re

from ansible_collections.engage_exec.recording.plugins.module_utils._gc_region import gc_hosts_of

REQUIRED_GROUPS = ("excs", "exas", "excp", "exrp", "webdav", "load_balancer")
EXRP_NODE_STATES = ("present", "absent")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_HOSTPORT = re.compile(r"^(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})$")


def _is_port(value):
    if isinstance(value, bool):
        return False
    try:
        port = int(str(value).strip())
    except (TypeError, ValueError):
        return False
    return 1 <= port <= 65535


def _is_text(value):
    return isinstance(value, str) and value.strip() != ""


def _endpoint_problems(name, value, default_port=None):
    """Problems of one {host, port} mapping called ``name``."""
    if not isinstance(value, dict):
        return ["%s must be a mapping with 'host' and 'port' (got %s)" % (name, type(value).__name__)]
    problems = []
    if not _is_text(value.get("host")):
        problems.append("%s.host is missing or empty: set the address EXEC uses to reach it" % name)
    port = value.get("port", default_port)
    if port is None:
        problems.append("%s.port is missing: set the TCP port (1-65535)" % name)
    elif not _is_port(port):
        problems.append("%s.port is %r: use a TCP port number between 1 and 65535" % (name, port))
    return problems


def _endpoint_list_problems(name, value, default_port):
    if not isinstance(value, list) or not value:
        return ["%s must be a non-empty list of {host, port} (got %r)" % (name, value)]
    problems = []
    for i, item in enumerate(value):
        problems.extend(_endpoint_problems("%s[%d]" % (name, i), item, default_port))
    return problems


def _host_variable_problems(hvars):
    problems = []
    configdb = hvars.get("exec_configdb")
    if configdb is None:
        problems.append("exec_configdb is not defined: set {host, port, name, sslmode} of the Engage Config DB")
    else:
        problems.extend(_endpoint_problems("exec_configdb", configdb, 5432))
        if isinstance(configdb, dict):
            if not _is_text(configdb.get("name")):
                problems.append("exec_configdb.name is missing: set the Config DB database name")
            if configdb.get("sslmode", "prefer") not in SSLMODES:
                problems.append("exec_configdb.sslmode is %r: use one of %s"
                                % (configdb.get("sslmode"), ", ".join(SSLMODES)))
    for name in ("exec_stat_servers", "exec_sip_servers"):
        if hvars.get(name) is None:
            problems.append("%s is not defined: list the {host, port} of every server" % name)
        else:
            problems.extend(_endpoint_list_problems(name, hvars[name], 2060 if "stat" in name else 8000))
    redis = hvars.get("exec_redis")
    if redis is None:
        problems.append("exec_redis is not defined: set {host, port, tls} of the Redis that EXEC uses")
    else:
        problems.extend(_endpoint_problems("exec_redis", redis, 6379))
        if isinstance(redis, dict) and "tls" in redis and str(redis["tls"]).lower() not in (
                "true", "false", "yes", "no", "1", "0", "on", "off"):
            problems.append("exec_redis.tls is %r: use true or false" % (redis["tls"],))
    problems.extend(gc_hosts_of(hvars)["problems"])
    registry = hvars.get("exec_registry")
    if not _is_text(registry):
        problems.append("exec_registry is not defined: set the site registry as host:port")
    else:
        m = _HOSTPORT.match(registry.strip())
        if not m or not _is_port(m.group("port")):
            problems.append("exec_registry is %r: write it as host:port, for example registry.example.com:5000"
                            % registry)
    return problems


def exec_inventory_problems(groups, hostvars, allow_single_exrp=False):
    """Return every way the inventory breaks the contract, as readable sentences (empty list: all good).

    ``groups`` and ``hostvars`` are the play's magic variables. Engage-side variables are checked on every host
    of the ``exec`` group (they may differ per host), each problem reported once with the hosts it concerns.
    """
    problems = []
    for group in REQUIRED_GROUPS:
        if not groups.get(group):
            problems.append("inventory group '%s' is empty or missing: add at least one host to it" % group)
    exrp = groups.get("exrp") or []
    allow = str(allow_single_exrp).strip().lower() in ("true", "yes", "1", "on")
    problems.extend(_exrp_state_problems(exrp, hostvars, allow))
    exrp_dupes = sorted({h for h in exrp if exrp.count(h) > 1})
    if exrp_dupes:
        problems.append("inventory group 'exrp' lists %s more than once: each EXRP node is one host"
                        % ", ".join(exrp_dupes))
    by_address = {}
    for host, address in zip(exrp, exec_addresses(exrp, hostvars)):
        if host not in by_address.setdefault(address, []):
            by_address[address].append(host)
    for address, hosts in by_address.items():
        if len(hosts) > 1:
            problems.append("inventory group 'exrp': %s have the same address %s: each EXRP node must be its own "
                            "machine (N+1), give each host its own ansible_host or exec_address"
                            % (", ".join(hosts), address))
    seen = {}
    for host in groups.get("exec") or []:
        for problem in _host_variable_problems(dict(hostvars.get(host) or {})):
            seen.setdefault(problem, []).append(host)
    for problem, hosts in seen.items():
        problems.append("%s (hosts: %s)" % (problem, _shown(hosts)))
    problems.extend(_shared_org_problems(groups.get("exec") or [], hostvars))
    return problems


def _exrp_state(hvars):
    """A node's exrp_node_state as written (present when not set)."""
    return str(hvars.get("exrp_node_state", "present"))


def exec_exrp_serving(hosts, hostvars):
    """The hosts of ``hosts`` (the EXRP group) that serve: all but those marked ``exrp_node_state: absent``, which
    are being retired (EXCP hands them nothing)."""
    if isinstance(hosts, str):
        hosts = [hosts]
    return [h for h in hosts if _exrp_state(hostvars.get(h) or {}) != "absent"]


def _exrp_state_problems(exrp, hostvars, allow_single):
    """N+1 on the serving EXRP nodes: exrp_node_state must be present or absent, and the nodes not marked absent
    must stay at least 2 (1 with exec_allow_single_exrp, never 0)."""
    states = {h: _exrp_state(hostvars.get(h) or {}) for h in exrp}
    bad = [h for h in exrp if states[h] not in EXRP_NODE_STATES]
    if bad:
        return ["exrp_node_state is %s: use present (the default) or absent (retire the node)"
                % "; ".join("%r on %s" % (states[h], h) for h in bad)]
    retired = [h for h in exrp if states[h] == "absent"]
    serving = [h for h in exrp if states[h] != "absent"]
    if not exrp:
        return []
    if not retired:
        if len(exrp) < 2 and not allow_single:
            return ["inventory group 'exrp' has %d host (%s): EXRP runs N+1, add a second host, or set "
                    "exec_allow_single_exrp: true for a lab" % (len(exrp), ", ".join(exrp))]
        return []
    if len(serving) < (1 if allow_single else 2):
        return ["retiring %s (exrp_node_state: absent) would leave %d serving EXRP node%s%s: EXRP runs N+1 and keeps "
                "at least %s serving; add a node to group 'exrp' and run site.yml first, then retire, or retire "
                "fewer nodes at once. Nothing was changed"
                % (", ".join(retired), len(serving), "" if len(serving) == 1 else "s",
                   " (%s)" % ", ".join(serving) if serving else "", "1 (exec_allow_single_exrp)" if allow_single
                   else "2")]
    return []


def _shown(hosts):
    return ", ".join(hosts[:5]) + (" and %d more" % (len(hosts) - 5) if len(hosts) > 5 else "")


def _shared_org_problems(hosts, hostvars):
    """One EX org per Engage tenant: an exec_org_id given to hosts of two different exec_tenant_id is refused."""
    tenants_of = {}  # org -> {tenant: [hosts]}
    for host in hosts:
        hvars = hostvars.get(host) or {}
        org, tenant = hvars.get("exec_org_id"), hvars.get("exec_tenant_id")
        if not _is_text(str(org) if org is not None else "") or tenant is None or str(tenant).strip() == "":
            continue
        tenants_of.setdefault(str(org).strip().lower(), {}).setdefault(str(tenant).strip(), []).append(host)
    problems = []
    for org, tenants in tenants_of.items():
        if len(tenants) > 1:
            problems.append(
                "exec_org_id %s is given to %d Engage tenants (%s): an EX org serves one Engage tenant only, give "
                "each tenant its own Genesys Cloud EX org (exec_org_id)"
                % (org, len(tenants), "; ".join("exec_tenant_id %s on %s" % (t, _shown(h))
                                                for t, h in sorted(tenants.items()))))
    return problems


def exec_inventory_warnings(groups, hostvars):
    """Values that are accepted but may be wrong (an unknown Genesys Cloud region), as sentences, each once with
    the hosts it concerns."""
    seen = {}
    for host in groups.get("exec") or []:
        for warning in gc_hosts_of(dict(hostvars.get(host) or {}))["warnings"]:
            seen.setdefault(warning, []).append(host)
    return ["%s (hosts: %s)" % (warning, _shown(hosts)) for warning, hosts in seen.items()]


def exec_gc_hosts(hvars):
    """The Genesys Cloud hosts of one host's variables: {region, api_host, login_host, known_region, problems,
    warnings} (module_utils/_gc_region.py)."""
    return gc_hosts_of(hvars)


def exec_addresses(hosts, hostvars):
    """The address each of ``hosts`` is reached at by its peers: ``exec_address``, else ``ansible_host``, else the
    inventory name (the inventory contract)."""
    if isinstance(hosts, str):
        hosts = [hosts]
    addresses = []
    for host in hosts:
        hvars = hostvars.get(host) or {}
        address = hvars.get("exec_address") or hvars.get("ansible_host") or host
        addresses.append(str(address))
    return addresses


class FilterModule(object):
    """Inventory contract filters."""

    def filters(self):
        return {"exec_inventory_problems": exec_inventory_problems, "exec_inventory_warnings": exec_inventory_warnings,
                "exec_addresses": exec_addresses, "exec_gc_hosts": exec_gc_hosts,
                "exec_exrp_serving": exec_exrp_serving}
