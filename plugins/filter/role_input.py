# -*- coding: utf-8 -*-
# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The input checks of the webdav and load_balancer roles (their tasks/validate.yml), and the load balancer's backend
list. Every check runs, so that a run with several mistakes fails once with all of them; nothing here reads the
managed host (the facts are the ones the role gathered)."""

from __future__ import annotations

import re

from ansible_collections.engage_exec.recording.plugins.filter.inventory import exec_addresses

_DIGITS = re.compile(r"^[0-9]+$")
_URL_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$")
_USER_NAME = re.compile(r"^[A-Za-z0-9._@-]+$")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_HTTP_PATH = re.compile(r"^/[!-~]*$")
_METHOD = re.compile(r"^[A-Z]+$")
_ADDRESS = re.compile(r"^[A-Za-z0-9_.:-]+$")
_SYSTEM_FOLDERS = ("/", "/etc", "/usr", "/var", "/root")

# (variable, lowest, highest) of the integer options of each role.
WEBDAV_INTEGERS = (
    ("webdav_port", 1, 65535), ("webdav_tls_port", 1, 65535), ("webdav_storage_gb_per_1000_calls", 1, 1000000),
    ("webdav_worker_headroom_percent", 0, 1000), ("webdav_threads_per_child", 1, 1000), ("webdav_timeout", 1, 86400),
    ("webdav_keepalive_timeout", 0, 3600), ("webdav_limit_request_body", 0, 2147483647),
    ("webdav_auth_cache_seconds", 0, 86400), ("webdav_retention_days", 0, 36500))
LOAD_BALANCER_INTEGERS = (
    ("load_balancer_port", 1, 65535), ("load_balancer_backend_port", 1, 65535),
    ("load_balancer_admin_port", 1, 65535), ("load_balancer_health_interval_ms", 100, 3600000),
    ("load_balancer_health_fall", 1, 100), ("load_balancer_health_rise", 1, 100), ("load_balancer_retries", 0, 100),
    ("load_balancer_timeout_connect_ms", 1, 3600000), ("load_balancer_timeout_client_ms", 1, 3600000),
    ("load_balancer_timeout_server_ms", 1, 3600000), ("load_balancer_timeout_http_request_ms", 1, 3600000),
    ("load_balancer_timeout_queue_ms", 1, 3600000), ("load_balancer_maxconn", 1, 1000000))
# HAProxy's retry-on keywords (and the status codes it accepts there).
RETRY_ON = ("none", "conn-failure", "empty-response", "junk-response", "response-timeout", "0rtt-rejected",
            "all-retryable-errors", "404", "408", "425", "500", "501", "502", "503", "504")
BALANCE = ("roundrobin", "leastconn", "first", "source")


def _platform_problems(facts, os_supported, server):
    problems = []
    if not os_supported:
        problems.append("%s - not supported; the role knows the Debian family (Debian 12 and 13 are tested)."
                        % facts.get("os_family"))
    manager = facts.get("service_mgr") or ""
    if manager != "systemd":
        problems.append("service manager %s - not supported; the role starts, reloads and enables %s through "
                        "systemd. Run it on a host (VM) whose PID 1 is systemd." % (manager or "unknown", server))
    return problems


def _integer_problems(params, table):
    problems = []
    for name, low, high in table:
        value = str(params.get(name))
        if not (_DIGITS.match(value) and low <= int(value) <= high):
            problems.append("%s=%s - expected an integer from %d to %d." % (name, value, low, high))
    return problems


def webdav_users_by_access(users):
    """{"readwrite": [names], "readonly": [names]}: a user without ``access`` writes. A user whose access is neither
    is in no list (webdav_input_problems() reports it)."""
    users = [u for u in users if isinstance(u, dict)] if isinstance(users, list) else []
    # Those without access first, then those that name it: the order of Apache's "Require user" line.
    return {"readwrite": [u.get("name") for u in users if "access" not in u]
            + [u.get("name") for u in users if "access" in u and u["access"] == "readwrite"],
            "readonly": [u.get("name") for u in users if u.get("access") == "readonly"]}


def _name_of(user):
    return user.get("name", "(no name)") if isinstance(user, dict) else "(no name)"


def _webdav_user_problems(users):
    listed = isinstance(users, list)
    by_access = webdav_users_by_access(users)
    names = [u.get("name") for u in users if isinstance(u, dict) and "name" in u] if listed else []
    if not (listed and users and len(names) == len(users)
            and all(_USER_NAME.match(str(n)) for n in names) and len(set(map(str, names))) == len(names)
            and by_access["readwrite"]
            and len(by_access["readwrite"]) + len(by_access["readonly"]) == len(users)):
        given = [_name_of(u) for u in users] if (hasattr(users, "__iter__") and not isinstance(users, str)) \
            else users
        return ["webdav_users - set a list of {name, password, access} with at least one readwrite user (the MCP "
                "account); names must be unique and use letters, digits, '.', '_', '@' or '-'; access is readwrite "
                "(default) or readonly. Given: %s." % (given,)]
    return []


def _webdav_password_problems(users):
    if not isinstance(users, list):
        return []
    without = [_name_of(u) for u in users
               if not isinstance(u, dict) or u.get("password") is None or str(u.get("password")) == ""]
    if without:
        return ["webdav_users - every user needs a non-empty password (users without one: %s). Put it in Ansible "
                "Vault or an AWX credential." % (without,)]
    return []


def webdav_input_problems(params, facts, os_supported=True):
    """Every problem of the webdav role's input ``params`` (its variables by name), one sentence each."""
    problems = _platform_problems(facts or {}, os_supported, "Apache")
    calls = str(params.get("webdav_concurrent_calls"))
    if not (_DIGITS.match(calls) and int(calls) > 0):
        problems.append("webdav_concurrent_calls=%s - not a positive integer. Set it to the number of recording "
                        "calls that run at the same time (for example 1000)." % calls)
    problems.extend(_integer_problems(params, WEBDAV_INTEGERS))
    path, root, lock = (str(params.get(n, "")) for n in ("webdav_path", "webdav_root", "webdav_lock_dir"))
    htpasswd = str(params.get("webdav_htpasswd_path", ""))
    if not (_URL_PATH.match(path) and root.startswith("/") and len(root) > 1 and root not in _SYSTEM_FOLDERS
            and htpasswd.startswith("/") and len(htpasswd) > 1 and lock.startswith("/") and len(lock) > 1
            and not (root + "/").startswith(lock + "/") and not (lock + "/").startswith(root + "/")):
        problems.append("webdav_path=%s, webdav_root=%s, webdav_lock_dir=%s - the URL path must start with / and not "
                        "end with /, webdav_root must be an absolute path of its own (not a system folder), and the "
                        "lock folder must be outside webdav_root (recordings are served from there)."
                        % (path, root, lock))
    users = params.get("webdav_users")
    problems.extend(_webdav_user_problems(users))
    problems.extend(_webdav_password_problems(users))
    if bool(params.get("webdav_tls_certificate")) != bool(params.get("webdav_tls_key")):
        problems.append("webdav_tls_certificate and webdav_tls_key - set both (TLS on webdav_tls_port) or neither "
                        "(plain HTTP on webdav_port).")
    method, at = str(params.get("webdav_retention_method")), str(params.get("webdav_retention_time"))
    if not (method in ("auto", "systemd", "cron") and _HHMM.match(at)):
        problems.append("webdav_retention_method=%s, webdav_retention_time=%s - the method is auto, systemd or cron; "
                        "the time is HH:MM (24 h)." % (method, at))
    return problems


def _int_or_zero(value):
    """The integer ``value`` stands for, 0 when it stands for none (as Jinja's int filter)."""
    try:
        return int(str(value).strip())
    except ValueError:
        return 0


def _server_name(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(name))


def load_balancer_servers(backends, group_hosts, hostvars, default_port):
    """The HAProxy backend servers [{name, address, port}]: ``backends`` (load_balancer_backends) when given, else
    one per host of ``group_hosts`` at its address (exec_addresses) and ``default_port``. Names are made safe for
    HAProxy; addresses and ports are checked by load_balancer_input_problems()."""
    if backends:
        return [{"name": _server_name(b.get("name", "excp%d" % i)), "address": b.get("address", ""),
                 "port": str(b.get("port", default_port))} for i, b in enumerate(backends, 1)]
    hosts = list(group_hosts or [])
    return [{"name": _server_name(host), "address": address, "port": str(default_port)}
            for host, address in zip(hosts, exec_addresses(hosts, hostvars))]


def load_balancer_input_problems(params, servers, facts, os_supported=True):
    """Every problem of the load_balancer role's input ``params`` (its variables by name) and of its backend list
    ``servers`` (load_balancer_servers()), one sentence each."""
    problems = _platform_problems(facts or {}, os_supported, "HAProxy")
    problems.extend(_integer_problems(params, LOAD_BALANCER_INTEGERS))
    paths = [str(params.get(n)) for n in ("load_balancer_health_path", "load_balancer_stats_path",
                                          "load_balancer_metrics_path")]
    if not (_int_or_zero(params.get("load_balancer_port")) != _int_or_zero(params.get("load_balancer_admin_port"))
            and all(_HTTP_PATH.match(p) for p in paths) and paths[1] != paths[2]
            and params.get("load_balancer_balance") in BALANCE):
        problems.append("load_balancer_port (%s) and load_balancer_admin_port (%s) must differ; "
                        "load_balancer_health_path, load_balancer_stats_path and load_balancer_metrics_path must be "
                        "distinct URL paths starting with /, without spaces; load_balancer_balance is roundrobin, "
                        "leastconn, first or source." % (params.get("load_balancer_port"),
                                                         params.get("load_balancer_admin_port")))
    methods, retry_on = params.get("load_balancer_allowed_methods") or [], params.get("load_balancer_retry_on") or []
    if not ("POST" in methods and all(_METHOD.match(str(m)) for m in methods)
            and all(str(r) in RETRY_ON for r in retry_on)):
        problems.append("load_balancer_allowed_methods=%s must contain POST (MCP's metadata requests) and upper-case "
                        "method names only; load_balancer_retry_on=%s accepts %s."
                        % (methods, retry_on, ", ".join(RETRY_ON)))
    if not servers:
        problems.append("No backend for the load balancer: the inventory group '%s' has no hosts and "
                        "load_balancer_backends is empty. Add the EXCP hosts to that group (or set "
                        "load_balancer_backends). The HAProxy configuration was not changed."
                        % params.get("load_balancer_backend_group"))
    for server in servers:
        address, port = str(server["address"]), str(server["port"])
        if not (_ADDRESS.match(address) and _DIGITS.match(port) and 1 <= int(port) <= 65535):
            problems.append("Backend %s: address '%s' port '%s' - give a host name or IP address and a port from 1 to "
                            "65535 (exec_address of the host, or the entry of load_balancer_backends)."
                            % (server["name"], address, port))
    names = [s["name"] for s in servers]
    if len(set(names)) != len(names):
        problems.append("Backend names must be unique: %s." % (names,))
    return problems


class FilterModule(object):
    """Input checks of the webdav and load_balancer roles."""

    def filters(self):
        return {"webdav_input_problems": webdav_input_problems, "webdav_users_by_access": webdav_users_by_access,
                "load_balancer_servers": load_balancer_servers,
                "load_balancer_input_problems": load_balancer_input_problems}
