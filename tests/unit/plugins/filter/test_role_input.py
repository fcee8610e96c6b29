# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The input checks of the webdav and load_balancer roles and the load balancer's backend list: the roles' defaults
pass, each mistake gives its own sentence (the fault matrix and the role tests match these sentences), several
mistakes are all listed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.engage_exec.recording.plugins.filter.role_input import (
    load_balancer_input_problems, load_balancer_servers, webdav_input_problems, webdav_users_by_access)

ROLES = Path(__file__).resolve().parents[4] / "roles"
FACTS = {"os_family": "Debian", "service_mgr": "systemd"}
USERS = [{"name": "mcp", "password": "s3cret"}, {"name": "exrp", "password": "p", "access": "readonly"}]


def _defaults(role, **override):
    params = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text())
    params.update(override)
    return params


def _webdav(**override):
    return webdav_input_problems(_defaults("webdav", **dict({"webdav_users": USERS}, **override)), FACTS)


SERVERS = [{"name": "excp1", "address": "10.0.0.11", "port": "3650"},
           {"name": "excp2", "address": "10.0.0.12", "port": "3650"}]


def _lb(servers=None, facts=None, **override):
    return load_balancer_input_problems(_defaults("load_balancer", **override),
                                        SERVERS if servers is None else servers, facts or FACTS)


def test_defaults_with_a_writer_pass():
    assert _webdav() == []
    assert _lb() == []


def test_platform():
    problems = webdav_input_problems(_defaults("webdav", webdav_users=USERS),
                                     {"os_family": "RedHat", "service_mgr": "sysvinit"}, False)
    assert problems == [
        "RedHat - not supported; the role knows the Debian family (Debian 12 and 13 are tested).",
        "service manager sysvinit - not supported; the role starts, reloads and enables Apache through systemd. "
        "Run it on a host (VM) whose PID 1 is systemd."]
    assert _lb(facts={"os_family": "Debian"}) == [
        "service manager unknown - not supported; the role starts, reloads and enables HAProxy through systemd. "
        "Run it on a host (VM) whose PID 1 is systemd."]


@pytest.mark.parametrize("value", [0, "0", -5, "many", 12.5, None])
def test_concurrent_calls_must_be_a_positive_integer(value):
    assert _webdav(webdav_concurrent_calls=value) == [
        "webdav_concurrent_calls=%s - not a positive integer. Set it to the number of recording calls that run at the "
        "same time (for example 1000)." % value]


@pytest.mark.parametrize("name, value, low, high", [
    ("webdav_port", 0, 1, 65535), ("webdav_tls_port", "65536", 1, 65535), ("webdav_timeout", True, 1, 86400),
    ("webdav_retention_days", -1, 0, 36500), ("webdav_keepalive_timeout", "5s", 0, 3600),
    ("webdav_limit_request_body", 2147483648, 0, 2147483647)])
def test_webdav_figures_in_range(name, value, low, high):
    assert _webdav(**{name: value}) == ["%s=%s - expected an integer from %d to %d." % (name, value, low, high)]


def test_webdav_figures_at_their_bounds_pass():
    assert _webdav(webdav_port=65535, webdav_tls_port="1", webdav_retention_days=0, webdav_keepalive_timeout=0) == []


@pytest.mark.parametrize("override", [
    {"webdav_path": "/dav/"}, {"webdav_path": "dav"}, {"webdav_root": "/var"}, {"webdav_root": "srv"},
    {"webdav_htpasswd_path": ""}, {"webdav_lock_dir": "/srv/exec-recordings/lock"}, {"webdav_lock_dir": "/srv"}])
def test_paths(override):
    params = _defaults("webdav", **override)
    assert _webdav(**override) == [
        "webdav_path=%s, webdav_root=%s, webdav_lock_dir=%s - the URL path must start with / and not end with /, "
        "webdav_root must be an absolute path of its own (not a system folder), and the lock folder must be outside "
        "webdav_root (recordings are served from there)."
        % (params["webdav_path"], params["webdav_root"], params["webdav_lock_dir"])]


@pytest.mark.parametrize("users, given", [
    ([], []),
    ([{"name": "r", "password": "p", "access": "readonly"}], ["r"]),
    ([{"name": "a", "password": "p"}, {"name": "a", "password": "q"}], ["a", "a"]),
    ([{"name": "a b", "password": "p"}], ["a b"]),
    ([{"name": "w", "password": "p", "access": "admin"}], ["w"]),
    ([{"password": "p"}], ["(no name)"]),
    ("mcp", "mcp"),
    (5, 5),
])
def test_users_list(users, given):
    assert _webdav(webdav_users=users)[0] == (
        "webdav_users - set a list of {name, password, access} with at least one readwrite user (the MCP account); "
        "names must be unique and use letters, digits, '.', '_', '@' or '-'; access is readwrite (default) or "
        "readonly. Given: %s." % (given,))


def test_every_user_needs_a_password():
    users = [{"name": "mcp", "password": "x"}, {"name": "a"}, {"name": "b", "password": ""},
             {"name": "c", "password": None}]
    assert _webdav(webdav_users=users) == [
        "webdav_users - every user needs a non-empty password (users without one: ['a', 'b', 'c']). Put it in "
        "Ansible Vault or an AWX credential."]


@pytest.mark.parametrize("cert, key", [("/etc/ssl/c.pem", ""), ("", "/etc/ssl/k.pem")])
def test_tls_needs_both(cert, key):
    assert _webdav(webdav_tls_certificate=cert, webdav_tls_key=key) == [
        "webdav_tls_certificate and webdav_tls_key - set both (TLS on webdav_tls_port) or neither (plain HTTP on "
        "webdav_port)."]
    assert _webdav(webdav_tls_certificate="/etc/ssl/c.pem", webdav_tls_key="/etc/ssl/k.pem") == []


@pytest.mark.parametrize("method, at", [("at", "03:17"), ("cron", "24:00"), ("systemd", "3:17")])
def test_retention(method, at):
    assert _webdav(webdav_retention_method=method, webdav_retention_time=at) == [
        "webdav_retention_method=%s, webdav_retention_time=%s - the method is auto, systemd or cron; the time is "
        "HH:MM (24 h)." % (method, at)]


def test_every_webdav_problem_is_listed():
    problems = _webdav(webdav_port=0, webdav_users=[], webdav_tls_key="/k", webdav_retention_time="x")
    assert [p.split(" ")[0] for p in problems] == ["webdav_port=0", "webdav_users", "webdav_tls_certificate",
                                                   "webdav_retention_method=auto,"]


def test_users_by_access_in_apache_order():
    users = [{"name": "w1", "access": "readwrite"}, {"name": "w0"}, {"name": "r", "access": "readonly"},
             {"name": "x", "access": "admin"}, "junk"]
    assert webdav_users_by_access(users) == {"readwrite": ["w0", "w1"], "readonly": ["r"]}
    assert webdav_users_by_access("junk") == {"readwrite": [], "readonly": []}


@pytest.mark.parametrize("name, value, low, high", [
    ("load_balancer_port", 0, 1, 65535), ("load_balancer_health_interval_ms", 99, 100, 3600000),
    ("load_balancer_maxconn", "1000001", 1, 1000000), ("load_balancer_retries", "x", 0, 100)])
def test_load_balancer_figures_in_range(name, value, low, high):
    assert ("%s=%s - expected an integer from %d to %d." % (name, value, low, high)) in _lb(**{name: value})


PORTS_PATHS = ("load_balancer_port (%s) and load_balancer_admin_port (%s) must differ; load_balancer_health_path, "
               "load_balancer_stats_path and load_balancer_metrics_path must be distinct URL paths starting with /, "
               "without spaces; load_balancer_balance is roundrobin, leastconn, first or source.")


@pytest.mark.parametrize("override", [
    {"load_balancer_port": 8404}, {"load_balancer_port": "8404"}, {"load_balancer_health_path": "health"},
    {"load_balancer_stats_path": "/a b"}, {"load_balancer_metrics_path": "/stats"},
    {"load_balancer_balance": "random"}])
def test_ports_paths_and_balance(override):
    params = _defaults("load_balancer", **override)
    assert _lb(**override) == [PORTS_PATHS % (params["load_balancer_port"], params["load_balancer_admin_port"])]


@pytest.mark.parametrize("override", [
    {"load_balancer_allowed_methods": ["GET"]}, {"load_balancer_allowed_methods": ["POST", "get"]},
    {"load_balancer_retry_on": ["conn-failure", "bogus"]}])
def test_methods_and_retry_on(override):
    params = _defaults("load_balancer", **override)
    assert _lb(**override) == [
        "load_balancer_allowed_methods=%s must contain POST (MCP's metadata requests) and upper-case method names "
        "only; load_balancer_retry_on=%s accepts none, conn-failure, empty-response, junk-response, "
        "response-timeout, 0rtt-rejected, all-retryable-errors, 404, 408, 425, 500, 501, 502, 503, 504."
        % (params["load_balancer_allowed_methods"], params["load_balancer_retry_on"])]


def test_no_backend():
    assert _lb(servers=[]) == [
        "No backend for the load balancer: the inventory group 'excp' has no hosts and load_balancer_backends is "
        "empty. Add the EXCP hosts to that group (or set load_balancer_backends). The HAProxy configuration was not "
        "changed."]


def test_bad_backends_each_named_and_names_unique():
    servers = [{"name": "a", "address": "", "port": "3650"}, {"name": "b", "address": "x y", "port": "3650"},
               {"name": "c", "address": "h", "port": "0"}, {"name": "a", "address": "h2", "port": "3650"}]
    hint = ("- give a host name or IP address and a port from 1 to 65535 (exec_address of the host, or the entry of "
            "load_balancer_backends).")
    assert _lb(servers=servers) == ["Backend a: address '' port '3650' " + hint,
                                    "Backend b: address 'x y' port '3650' " + hint,
                                    "Backend c: address 'h' port '0' " + hint,
                                    "Backend names must be unique: ['a', 'b', 'c', 'a']."]


def test_servers_from_the_list():
    backends = [{"name": "excp #1", "address": "10.0.0.1"}, {"address": "10.0.0.2", "port": 3651}]
    assert load_balancer_servers(backends, ["ignored"], {}, 3650) == [
        {"name": "excp__1", "address": "10.0.0.1", "port": "3650"},
        {"name": "excp2", "address": "10.0.0.2", "port": "3651"}]


def test_servers_from_the_group_at_their_exec_addresses():
    hostvars = {"excp-a": {"exec_address": "10.0.0.1", "ansible_host": "192.0.2.1"},
                "excp-b": {"exec_address": "", "ansible_host": "192.0.2.2"},  # empty: falls through
                "excp.c": {}}
    assert load_balancer_servers([], ["excp-a", "excp-b", "excp.c"], hostvars, 3650) == [
        {"name": "excp-a", "address": "10.0.0.1", "port": "3650"},
        {"name": "excp-b", "address": "192.0.2.2", "port": "3650"},
        {"name": "excp.c", "address": "excp.c", "port": "3650"}]
