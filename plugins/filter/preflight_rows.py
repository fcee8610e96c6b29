# -*- coding: utf-8 -*-
# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight role's connectivity_check rows for the EXEC services of a host and for the inbound traffic, built
here instead of in Jinja templates."""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.engage_exec.recording.plugins.filter.inventory import exec_addresses, exec_gc_hosts
from ansible_collections.engage_exec.recording.plugins.filter.preflight import _check_problems

WEBDAV_STATUS_CODES = [200, 204, 301, 302, 401, 403, 404, 405]


def preflight_service_rows(service_ports, group_names, host, address):
    """One tcp row per EXEC service of ``service_ports`` ({group: port}) whose group holds the host (``group_names``),
    at ``address``."""
    return [{"name": "%s service on %s" % (group.upper(), host), "host": address, "port": int(port), "protocol": "tcp"}
            for group, port in service_ports.items() if group in group_names]


def preflight_inbound_rows(who, groups, play_hosts, hostvars, service_ports, webdav_port, lb_port, required):
    """The inbound rows, probed once from ``who``: the metrics port of every EXEC service host, and, as MCP, the WebDAV
    and load balancer hosts (``required`` says whether those two must answer). Only hosts of ``play_hosts``, each at
    its exec_addresses address; unique by name."""
    rows = []

    def add(name, hosts, port, **extra):
        hosts = [h for h in groups.get(name[0]) or [] if h in play_hosts] if hosts is None else hosts
        for host, address in zip(hosts, exec_addresses(hosts, hostvars)):
            rows.append(dict({"name": name[1] % host, "host": address, "port": int(port), "protocol": "tcp"}, **extra))

    who = who.strip()
    for group, port in service_ports.items():
        add((group, "%s -> %s metrics %%s" % (who, group.upper())), None, port)
    required = boolean(required, strict=False)
    add(("webdav", who + " (as MCP) -> WebDAV %s"), None, webdav_port, required=required)
    add(("load_balancer", who + " (as MCP) -> load balancer %s"), None, lb_port, required=required)
    seen = set()
    return [r for r in rows if not (r["name"] in seen or seen.add(r["name"]))]


def _tls(settings):
    tls = {"validate_certs": boolean(settings["validate_certs"], strict=False)}
    if settings.get("ca_path"):
        tls["ca_path"] = settings["ca_path"]
    return tls


def _configdb_row(configdb, settings):
    row = {"name": "excs -> Config DB", "host": configdb["host"], "port": int(configdb.get("port", 5432)),
           "protocol": "postgres", "sslmode": configdb.get("sslmode", "prefer")}
    if settings.get("ca_path"):
        row["ca_path"] = settings["ca_path"]
    if settings.get("configdb_user"):
        row.update(login_user=settings["configdb_user"], login_password=settings["configdb_password"],
                   database=configdb.get("name", "postgres"))
    return row


def _redis_row(redis, settings):
    tls = boolean(redis.get("tls", False), strict=False)
    row = {"name": "exec -> Redis", "host": redis["host"], "port": int(redis.get("port", 6379))}
    if boolean(settings["redis_ping"], strict=False):
        row.update(protocol="redis", tls=tls)
        if settings.get("redis_password"):
            row["login_password"] = settings["redis_password"]
    else:
        row["protocol"] = "tls" if tls else "tcp"
    if tls:
        row.update(_tls(settings))
    return row


def _gc_rows(hvars, settings):
    """Genesys Cloud has two hosts (exec_gc_hosts): the API, and the login host that issues OAuth tokens."""
    gc = exec_gc_hosts(hvars)
    rows = []
    for part, gc_host in (("API", gc["api_host"]), ("login", gc["login_host"])):
        if not gc_host:
            continue
        host, _sep, port = gc_host.partition(":")
        rows.append(dict({"name": "exec -> Genesys Cloud " + part, "host": host,
                          "port": int(port) if port else int(settings["gc_port"]), "protocol": "https",
                          "path": settings["gc_path"], "status_codes": [int(c) for c in settings["gc_status_codes"]]},
                         **_tls(settings)))
    return rows


class _Vars:
    """A host's variables: those given by the play (``site``, None for unset) over its hostvars."""

    def __init__(self, site, hvars):
        self._site = {k: v for k, v in (site or {}).items() if v is not None}
        self._hvars = hvars

    def get(self, key, default=None):
        if key in self._site:
            return self._site[key]
        return self._hvars.get(key, default)

    def __getitem__(self, key):
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value


def preflight_connectivity_rows(host, hostvars, groups, settings):
    """The rows of the connectivity table (SPEC) whose source is ``host``, from the inventory contract: EXCS -> Config
    DB, EXAS -> Stat Servers, EXCP -> SIP Servers, EXAS/EXCP -> EXCS API, every EXEC host -> Redis and Genesys Cloud,
    EXRP -> WebDAV, load balancer -> EXCP; then the site's ``extra_checks`` (a row with a ``groups`` list only for hosts
    of those groups; one named like a built-in row replaces it). Peers at their exec_addresses address; unique by name.
    ``settings`` holds the preflight role's options (validate_certs, ca_path, configdb_user/password, redis_ping,
    redis_password, gc_port, gc_path, gc_status_codes, exec_service_ports, webdav_port, require_recording_targets,
    extra_checks, and ``site``: this host's exec_configdb, exec_stat_servers, exec_sip_servers, exec_redis and
    Genesys Cloud variables as the play sees them, role and play vars included, which hostvars does not hold)."""
    hvars = _Vars(settings.get("site"), hostvars[host])
    mine = list(hvars.get("group_names") or [])
    ports = settings["exec_service_ports"]
    rows = []

    def peers(group, name, port, **extra):
        hosts = list(groups.get(group) or [])
        for peer, address in zip(hosts, exec_addresses(hosts, hostvars)):
            rows.append(dict({"name": name + peer, "host": address, "port": int(port), "protocol": "tcp"}, **extra))

    if "excs" in mine and hvars.get("exec_configdb") is not None:
        rows.append(_configdb_row(hvars["exec_configdb"], settings))
    for group, label, servers, default_port in (("exas", "exas -> Stat Server", "exec_stat_servers", 2060),
                                                ("excp", "excp -> SIP Server", "exec_sip_servers", 8000)):
        if group in mine:
            rows.extend({"name": "%s %d" % (label, i), "host": s["host"], "port": int(s.get("port", default_port)),
                         "protocol": "tcp"} for i, s in enumerate(hvars.get(servers) or [], 1))
    if "exas" in mine or "excp" in mine:
        peers("excs", "exas/excp -> EXCS API ", ports.get("excs", 3640))
    if any(g in mine for g in ("excs", "exas", "excp", "exrp")):
        if hvars.get("exec_redis") is not None:
            rows.append(_redis_row(hvars["exec_redis"], settings))
        rows.extend(_gc_rows(hvars, settings))
    if "exrp" in mine:
        peers("webdav", "exrp -> WebDAV ", settings["webdav_port"], protocol="http",
              required=boolean(settings["require_recording_targets"], strict=False), status_codes=list(WEBDAV_STATUS_CODES))
    if "load_balancer" in mine:
        peers("excp", "load_balancer -> EXCP ", ports.get("excp", 3650))
    extras = [{k: v for k, v in extra.items() if k != "groups"} for extra in settings.get("extra_checks") or []
              if "groups" not in extra or any(g in mine for g in extra["groups"])]
    extra_names = {extra["name"] for extra in extras}
    seen = set()
    return [r for r in [r for r in rows if r["name"] not in extra_names] + extras
            if not (r["name"] in seen or seen.add(r["name"]))]


def preflight_check_problems(result, part, reason_text):
    """One problem line per required row of a connectivity_check ``result`` that failed (``reason_text`` names each
    reason), or the module's message when it gave no rows; none when it was skipped or not run."""
    return _check_problems(part, result, reason_text or {})


class FilterModule(object):
    """preflight row filters."""

    def filters(self):
        return {"preflight_service_rows": preflight_service_rows, "preflight_inbound_rows": preflight_inbound_rows,
                "preflight_connectivity_rows": preflight_connectivity_rows,
                "preflight_check_problems": preflight_check_problems}
