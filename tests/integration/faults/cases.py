# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fault matrix as data: every bad-input and safe-default case, in one place.

test_faults.py runs them; hack/fault-table.py turns them into docs/fault-matrix.md (``--check`` fails on drift).

A case names its layer (module, role, inventory, default), the thing under test, the bad input in words, the outcome
a user sees, the fragments of the message the test asserts (the input's name and the fix), what is checked
unchanged, whether it is slow (> ~10 s, pytest marker ``slow``, ``make test-faults``), and ``run``: what the test
feeds in. In ``run``, a string starting with ``@`` is filled in at run time from the real services the test starts
(for example ``@registry.password``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    id: str
    layer: str
    target: str
    bad_input: str
    outcome: str
    fragments: tuple
    unchanged: str
    slow: bool = False
    run: dict = field(default_factory=dict)


WRONG = "wrong-" + "password-0000"
DIGEST = "sha256:" + "ab" * 32

# ------------------------------------------------------------------------------------------------------ modules
# cme_hybrid_transaction against the GAX stand-in over a real PostgreSQL Config DB ("base": "gax" or "configdb").
CONFIGDB_ROWS = "Config DB rows (cfg_transaction, cfg_flex_prop)"
MODULE_CASES = [
    Case("cme-gax-wrong-password", "module", "cme_hybrid_transaction", "gax_password wrong",
         "fails at login; names the user and the credential to fix",
         ("gax_username", "gax_password", "401"), CONFIGDB_ROWS,
         run={"module": "cme_hybrid_transaction", "base": "gax", "args": {"gax_password": WRONG}}),
    Case("cme-unknown-tenant", "module", "cme_hybrid_transaction", "tenant 'NoSuchTenant' (not in the Config DB)",
         "fails before any write; names the tenant and lists the known ones",
         ("NoSuchTenant", "Environment"), CONFIGDB_ROWS,
         run={"module": "cme_hybrid_transaction", "base": "gax", "args": {"tenant": "NoSuchTenant"}}),
    Case("cme-configdb-wrong-password", "module", "cme_hybrid_transaction",
         "backend configdb, configdb_password wrong",
         "fails at connect; names the Config DB user and the option to fix, never the password",
         ("configdb_password", "password authentication failed"), CONFIGDB_ROWS,
         run={"module": "cme_hybrid_transaction", "base": "configdb", "args": {"configdb_password": WRONG}}),
    Case("cme-sections-not-a-mapping", "module", "cme_hybrid_transaction",
         "sections: not a mapping (a list)", "argument check fails; names sections and the type",
         ("sections", "dict"), CONFIGDB_ROWS,
         run={"module": "cme_hybrid_transaction", "base": "gax", "args": {"sections": ["agent_state_sync"]}}),
    Case("cme-alias-empty", "module", "cme_hybrid_transaction",
         "alias '  ' (blank: Configuration Server refuses a CfgTransaction without an alias)",
         "fails before any write; says the alias is required and to give one or leave alias out (the name)",
         ("alias", "refuses a CfgTransaction without an alias", "leave alias out"), CONFIGDB_ROWS,
         run={"module": "cme_hybrid_transaction", "base": "gax", "args": {"alias": "  "}}),
    Case("cme-ambiguous-folders", "module", "cme_hybrid_transaction",
         "folder not given; GAX shows no folder class or content type and the tenant has two root folders named "
         "Transactions",
         "fails before any write; lists the candidate folders (path and dbid) and says to set folder",
         ("default Transactions folder", "Transactions (dbid 201", "Transactions (dbid 210", "Set folder"),
         CONFIGDB_ROWS, run={"module": "cme_hybrid_transaction", "base": "gax", "args": {}, "folders": "ambiguous"}),
    Case("cme-gax-expired-certificate", "module", "cme_hybrid_transaction",
         "GAX serves an expired certificate (signed by the trusted CA)",
         "fails before login; says the certificate expired and to renew it (not: set ca_path)",
         ("GAX", "certificate has expired", "renew it on that server"), CONFIGDB_ROWS,
         run={"module": "cme_hybrid_transaction", "base": "gax_expired", "args": {"ca_path": "@pki.ca"}}),
    Case("cme-gax-untrusted-certificate", "module", "cme_hybrid_transaction",
         "GAX over HTTPS, its CA not given (ca_path unset, validate_certs default)",
         "TLS verification fails (verification is on by default); message points to ca_path",
         ("certificate verify failed", "ca_path"), CONFIGDB_ROWS,
         run={"module": "cme_hybrid_transaction", "base": "gax_tls", "args": {}}),
]

# exrp_image against a real registry (TLS + htpasswd) and the Docker engine ("archive": what the test builds).
REGISTRY = "registry catalog and tags; local Docker images"
MODULE_CASES += [
    Case("exrp-image-bad-checksum", "module", "exrp_image", "checksum well-formed but not the archive's",
         "fails before loading; shows expected and actual sha256 and says to check the published checksum",
         ("checksum mismatch", "expected sha256:abab", "download it again"), REGISTRY,
         run={"module": "exrp_image", "archive": "one", "args": {"checksum": DIGEST}}),
    Case("exrp-image-big-archive-bad-checksum", "module", "exrp_image",
         "a 150 MB archive whose checksum is not the published one",
         "fails after hashing, before loading 150 MB into Docker; says to download again",
         ("checksum mismatch", "Nothing was loaded or pushed"), REGISTRY, slow=True,
         run={"module": "exrp_image", "archive": "big", "args": {"checksum": DIGEST}}),
    Case("exrp-image-registry-hangs", "module", "exrp_image",
         "registry: a port that accepts connections and never answers (timeout 12)",
         "fails after the timeout; says the registry did not answer and what to check",
         ("did not answer within 12 s", "Check that it runs"), REGISTRY, slow=True,
         run={"module": "exrp_image", "archive": "one", "args": {"registry": "@silent.address", "timeout": 12}}),
    Case("exrp-image-checksum-malformed", "module", "exrp_image", "checksum 'md5:1234'",
         "fails before reading the archive; says the form sha256:<64 hex>",
         ("md5:1234", "sha256:"), REGISTRY,
         run={"module": "exrp_image", "archive": "none",
              "args": {"src": "/nonexistent/exrp-100.0.100.1.tgz", "checksum": "md5:1234"}}),
    Case("exrp-image-missing-archive", "module", "exrp_image", "src: a path that does not exist",
         "fails; names the path", ("/nonexistent/exrp-100.0.100.2.tgz",), REGISTRY,
         run={"module": "exrp_image", "archive": "none", "args": {"src": "/nonexistent/exrp-100.0.100.2.tgz"}}),
    Case("exrp-image-corrupt-archive", "module", "exrp_image",
         "archive of random bytes (checksum given matches the corrupt file)",
         "fails before loading; says it is not a docker save archive",
         ("exrp-100.0.100.3.tgz", "corrupt", "docker-save archive"),
         REGISTRY, run={"module": "exrp_image", "archive": "corrupt", "args": {}}),
    Case("exrp-image-two-images", "module", "exrp_image", "archive that holds two images",
         "fails before pushing; says it expects exactly one image", ("2 images", "one"), REGISTRY,
         run={"module": "exrp_image", "archive": "two", "args": {}}),
    Case("exrp-image-registry-wrong-password", "module", "exrp_image", "registry_password wrong",
         "fails at the registry login; names registry_username/registry_password",
         ("401", "registry_username", "registry_password"), REGISTRY,
         run={"module": "exrp_image", "archive": "one", "args": {"registry_password": WRONG}}),
    Case("exrp-image-registry-down", "module", "exrp_image", "registry: a closed port on 127.0.0.1",
         "fails; names the registry address and says it cannot be reached", ("@closed.address", "registry"),
         REGISTRY,
         run={"module": "exrp_image", "archive": "one", "args": {"registry": "@closed.address"}}),
    Case("exrp-image-registry-untrusted", "module", "exrp_image",
         "registry's CA not given (ca_path unset, validate_certs default)",
         "TLS verification fails (on by default); message points to ca_path", ("certificate", "ca_path"),
         REGISTRY,
         run={"module": "exrp_image", "archive": "one", "args": {"ca_path": None}}),
]

# env_file on a real .env file ("existing": its content before the run).
ENV = "the .env file (sha256 and mode)"
EXISTING_ENV = "ORG_ID=org-1\nTENANT_ID=tenant-1\nHTTP_LB_EXCP_PORT=8080\n"
MODULE_CASES += [
    Case("env-file-newline-in-value", "module", "env_file", "values: a value with a newline",
         "fails; names the key and that a value is one line", ("ORG_ID", "newline"), ENV,
         run={"module": "env_file", "existing": EXISTING_ENV, "args": {"values": {"ORG_ID": "org-1\nEVIL=1"}}}),
    Case("env-file-bad-key", "module", "env_file", "values: key '1BAD-KEY'",
         "fails; names the key and the allowed form", ("1BAD-KEY",), ENV,
         run={"module": "env_file", "existing": EXISTING_ENV, "args": {"values": {"1BAD-KEY": "x"}}}),
    Case("env-file-nested-value", "module", "env_file", "values: a mapping as a value",
         "fails; names the key and says values are scalars", ("TENANT_ID",), ENV,
         run={"module": "env_file", "existing": EXISTING_ENV, "args": {"values": {"TENANT_ID": {"a": 1}}}}),
    Case("env-file-unknown-owner", "module", "env_file", "owner 'nosuchuser' (no such account)",
         "fails before writing; names the owner", ("owner 'nosuchuser' does not exist",), ENV,
         run={"module": "env_file", "existing": EXISTING_ENV,
              "args": {"values": {"TENANT_ID": "t"}, "owner": "nosuchuser"}}),
    Case("env-file-set-and-absent", "module", "env_file", "ORG_ID in values and in absent",
         "fails; says a key is either set or removed", ("ORG_ID both in values and in absent",), ENV,
         run={"module": "env_file", "existing": EXISTING_ENV,
              "args": {"values": {"ORG_ID": "o"}, "absent": ["ORG_ID"]}}),
]

# read-only modules: connectivity_check, time_sync_check, tcp_listeners, host_resources, host_probe (nothing to change;
# "unchanged" says so).
READ_ONLY = "read-only module: changed=false"
MODULE_CASES += [
    Case("connectivity-port-out-of-range", "module", "connectivity_check", "checks[].port 70000",
         "fails before probing anything; names the row and the port range", ("70000", "1-65535"), READ_ONLY,
         run={"module": "connectivity_check",
              "args": {"checks": [{"name": "redis", "host": "127.0.0.1", "port": 70000}]}}),
    Case("connectivity-unknown-protocol", "module", "connectivity_check", "checks[].protocol 'smtp'",
         "fails before probing anything; lists the known protocols", ("smtp", "postgres"), READ_ONLY,
         run={"module": "connectivity_check",
              "args": {"checks": [{"name": "x", "host": "127.0.0.1", "port": 25, "protocol": "smtp"}]}}),
    Case("connectivity-expired-certificate", "module", "connectivity_check",
         "TLS endpoint with an expired certificate (CA trusted)",
         "the row fails; says the certificate expired and to renew it",
         ("certificate has expired", "renew the server's certificate"), READ_ONLY,
         run={"module": "connectivity_check", "server": "tls_expired",
              "args": {"checks": [{"name": "gc-api", "host": "127.0.0.1", "port": "@server.port", "protocol": "tls",
                                   "ca_path": "@pki.ca"}]}}),
    Case("connectivity-redis-wrong-password", "module", "connectivity_check", "redis login_password wrong",
         "the row fails; says the Redis password was refused", ("redis", "password"), READ_ONLY,
         run={"module": "connectivity_check", "server": "redis",
              "args": {"checks": [{"name": "redis", "host": "127.0.0.1", "port": "@server.port",
                                   "protocol": "redis", "login_password": WRONG}]}}),
    Case("time-sync-negative-offset", "module", "time_sync_check", "max_offset -1",
         "fails before reading the clock; says the allowed range", ("max_offset", ">= 0"), READ_ONLY,
         run={"module": "time_sync_check", "args": {"max_offset": -1}}),
    Case("time-sync-sntp-without-server", "module", "time_sync_check", "method sntp without ntp_server",
         "argument check fails; names ntp_server", ("ntp_server",), READ_ONLY,
         run={"module": "time_sync_check", "args": {"method": "sntp"}}),
    Case("time-sync-offset-not-a-number", "module", "time_sync_check", "max_offset 'one second'",
         "argument check fails; names max_offset and the type", ("max_offset", "float"), READ_ONLY,
         run={"module": "time_sync_check", "args": {"max_offset": "one second"}}),
    Case("tcp-listeners-port-zero", "module", "tcp_listeners", "ports [80, 0]",
         "fails; names the bad port and the range", ("0", "1-65535"), READ_ONLY,
         run={"module": "tcp_listeners", "args": {"ports": [80, 0]}}),
    Case("tcp-listeners-port-name", "module", "tcp_listeners", "ports ['http']",
         "argument check fails; names ports and the type", ("ports", "int"), READ_ONLY,
         run={"module": "tcp_listeners", "args": {"ports": ["http"]}}),
    Case("host-resources-docker-not-bool", "module", "host_resources", "docker 'maybe'",
         "argument check fails; names docker and the type", ("docker", "bool"), READ_ONLY,
         run={"module": "host_resources", "args": {"docker": "maybe"}}),
    Case("host-resources-paths-mapping", "module", "host_resources", "paths: a mapping",
         "argument check fails; names paths and the type", ("paths", "list"), READ_ONLY,
         run={"module": "host_resources", "args": {"paths": {"root": "/"}}}),
    Case("host-probe-sysctl-bad-names", "module", "host_probe", "sysctls ['../etc/passwd', 'net..x']",
         "fails before reading anything; lists both names", ("'../etc/passwd'", "'net..x'", "Nothing was read"),
         READ_ONLY, run={"module": "host_probe", "args": {"sysctls": ["../etc/passwd", "net..x"]}}),
    # htpasswd_users on a real password file (user mcp) with the real htpasswd program.
    Case("htpasswd-users-bad-name", "module", "htpasswd_users", "users {'bad:name': ..., 'mcp': ...}",
         "fails before any change; names the user and the rule, never a password",
         ("'bad:name'", "':'", "Nothing was changed"),
         "the password file (bytes, mode)",
         run={"module": "htpasswd_users", "args": {"users": {"bad:name": WRONG, "mcp": WRONG}}}),
    Case("htpasswd-users-empty-password", "module", "htpasswd_users", "users {'mcp': ''}",
         "fails before any change; names the user whose password is empty", ("'mcp' has an empty password",),
         "the password file (bytes, mode)",
         run={"module": "htpasswd_users", "args": {"users": {"mcp": ""}}}),
    Case("htpasswd-users-missing-file", "module", "htpasswd_users", "path missing, create false",
         "fails; names the file and create=true", ("does not exist", "create=true"), "the password file folder",
         run={"module": "htpasswd_users", "missing": True, "args": {"users": {"mcp": WRONG}, "create": False}}),
    # config_files on a real folder holding site.conf ("Listen 80") and its link, with real programs as validation.
    Case("config-files-validation-fails", "module", "config_files",
         "site.conf and a new extra.conf, validate ['grep', '-q', 'Listen 8080', site.conf] (no such line)",
         "writes both, the command fails; both put back (extra.conf removed); names the command and its exit code",
         ("validation command", "grep -q Listen 8080", "rc=1", "back in place"), "the folder (names, bytes, modes)",
         run={"module": "config_files", "args": {
             "files": [{"path": "@dir.site", "content": "Listen 8081\n", "mode": "0640"},
                       {"path": "@dir.extra", "content": "ServerTokens Prod\n"}],
             "validate": ["grep", "-q", "Listen 8080", "@dir.site"]}}),
    Case("config-files-input-problems", "module", "config_files",
         "a file in a missing folder with mode 'rw-r--r--', the same path twice, a link over a regular file",
         "fails before any write; lists every problem at once",
         ("does not exist", "given more than once", "not a symbolic link", "rw-r--r--", "Nothing was changed"),
         "the folder (names, bytes, modes)",
         run={"module": "config_files", "args": {
             "files": [{"path": "@dir.missing", "content": "x\n", "mode": "rw-r--r--"},
                       {"path": "@dir.site", "content": "Listen 80\n"},
                       {"path": "@dir.site", "content": "Listen 81\n"}],
             "links": [{"path": "@dir.site", "src": "elsewhere.conf"}]}}),
]

# ------------------------------------------------------------------------------------------------------ roles
# Each role runs against a host whose SSH port is closed: the validation must fail before any task reaches it.
NO_HOST = "no task reached the managed host (it is unreachable by design)"
ROLE_CASES = [
    Case("role-preflight-timeout-zero", "role", "preflight", "preflight_timeout 0",
         "validate step fails; says preflight_timeout > 0", ("preflight_timeout > 0",), NO_HOST,
         run={"role": "preflight", "vars": {"preflight_timeout": 0}}),
    Case("role-preflight-requirements-list", "role", "preflight", "preflight_requirements as a list",
         "argument spec fails; names preflight_requirements and the type", ("preflight_requirements", "dict"),
         NO_HOST, run={"role": "preflight", "vars": {"preflight_requirements": ["kernel"]}}),
    Case("role-hybrid-transaction-duplicate-tenant", "role", "hybrid_transaction", "the same tenant twice",
         "validate step fails; says tenant names must be unique and lists them",
         ("tenant names must be unique", "Environment, Environment"), NO_HOST,
         run={"role": "hybrid_transaction", "vars": {"hybrid_transaction_tenants": [
             {"tenant": "Environment", "client_id": "c1", "client_secret": "s-1"},
             {"tenant": "Environment", "client_id": "c2", "client_secret": "s-2"}]}}),
    Case("role-hybrid-transaction-missing-secret", "role", "hybrid_transaction", "a tenant without client_secret",
         "validate step fails; says client_secret is needed", ("client_secret",), NO_HOST,
         run={"role": "hybrid_transaction", "vars": {"hybrid_transaction_tenants": [
             {"tenant": "Environment", "client_id": "c1"}]}}),
    Case("role-hybrid-transaction-backend", "role", "hybrid_transaction", "hybrid_transaction_backend 'ldap'",
         "argument spec fails; names the choices gax, configdb", ("hybrid_transaction_backend", "configdb"),
         NO_HOST,
         run={"role": "hybrid_transaction", "vars": {
             "hybrid_transaction_backend": "ldap",
             "hybrid_transaction_tenants": [{"tenant": "Environment", "client_id": "c1", "client_secret": "s-1"}]}}),
    Case("role-exrp-image-checksum", "role", "exrp_image", "exrp_image_checksum without 'sha256:'",
         "validate step fails; says sha256:<64 hex>", ("exrp_image_checksum", "sha256:<64 hex>"), NO_HOST,
         run={"role": "exrp_image", "vars": {"exrp_image_src": "/srv/exrp-100.0.100.5.tgz",
                                             "exrp_image_checksum": "ab" * 32, "exrp_image_registry": "reg:5000"}}),
    Case("role-exrp-image-registry-no-port", "role", "exrp_image", "exrp_image_registry 'registry.example.com'",
         "validate step fails; says host:port and shows the value", ("host:port", "registry=registry.example.com"),
         NO_HOST,
         run={"role": "exrp_image", "vars": {"exrp_image_src": "/srv/exrp-100.0.100.5.tgz",
                                             "exrp_image_checksum": DIGEST,
                                             "exrp_image_registry": "registry.example.com"}}),
    Case("role-webdav-root-system-folder", "role", "webdav", "webdav_root /etc",
         "validate step fails; says webdav_root must not be a system folder", ("webdav_root=/etc", "system folder"),
         NO_HOST, run={"role": "webdav", "vars": {"webdav_root": "/etc"}}),
    Case("role-webdav-duplicate-user", "role", "webdav", "the same WebDAV user twice",
         "validate step fails; says names must be unique", ("webdav_users", "unique"), NO_HOST,
         run={"role": "webdav", "vars": {"webdav_users": [{"name": "mcp", "password": "p-1"},
                                                          {"name": "mcp", "password": "p-2"}]}}),
    Case("role-webdav-users-string", "role", "webdav", "webdav_users 'mcp:secret' (a string)",
         "argument spec fails; names webdav_users and the type", ("webdav_users", "list"), NO_HOST,
         run={"role": "webdav", "vars": {"webdav_users": "mcp:secret"}}),
    Case("role-webdav-retention-time", "role", "webdav", "webdav_retention_time '25:00'",
         "validate step fails; says HH:MM (24 h)", ("webdav_retention_time=25:00", "HH:MM"), NO_HOST,
         run={"role": "webdav", "vars": {"webdav_retention_time": "25:00"}}),
    Case("role-webdav-three-problems", "role", "webdav",
         "webdav_concurrent_calls 0, webdav_retention_time '25:00' and a user without a password",
         "validate step fails once, listing all three problems",
         ("webdav_concurrent_calls=0", "webdav_retention_time=25:00", "every user needs a non-empty password"),
         NO_HOST, run={"role": "webdav", "vars": {"webdav_concurrent_calls": 0, "webdav_retention_time": "25:00",
                                                  "webdav_users": [{"name": "mcp", "password": "p-1"},
                                                                   {"name": "exrp", "password": "", "access": "readonly"}]}}),
    Case("role-webdav-without-systemd", "role", "webdav", "a host whose PID 1 is not systemd (service_mgr sysvinit)",
         "validate step fails; names the service manager and asks for a host (VM) run by systemd",
         ("service manager sysvinit - not supported", "whose PID 1 is systemd"), NO_HOST,
         run={"role": "webdav", "vars": {}, "facts": {"service_mgr": "sysvinit"}}),
    Case("role-load-balancer-without-systemd", "role", "load_balancer",
         "a host whose PID 1 is not systemd (service_mgr sysvinit)",
         "validate step fails; names the service manager and asks for a host (VM) run by systemd",
         ("service manager sysvinit - not supported", "HAProxy through systemd"), NO_HOST,
         run={"role": "load_balancer", "vars": {}, "facts": {"service_mgr": "sysvinit"}}),
    Case("role-load-balancer-admin-port", "role", "load_balancer", "load_balancer_admin_port 70000",
         "validate step fails; says an integer from 1 to 65535",
         ("load_balancer_admin_port=70000 - expected an integer from 1 to 65535",), NO_HOST,
         run={"role": "load_balancer", "vars": {"load_balancer_admin_port": 70000}}),
    Case("role-load-balancer-balance", "role", "load_balancer", "load_balancer_balance 'random'",
         "validate step fails; lists roundrobin, leastconn, first, source", ("roundrobin, leastconn",), NO_HOST,
         run={"role": "load_balancer", "vars": {"load_balancer_balance": "random"}}),
    Case("role-load-balancer-two-problems", "role", "load_balancer",
         "load_balancer_port 0 and load_balancer_allowed_methods without POST",
         "validate step fails once, listing both problems",
         ("load_balancer_port=0 - expected an integer", "must contain POST"), NO_HOST,
         run={"role": "load_balancer", "vars": {"load_balancer_port": 0, "load_balancer_allowed_methods": ["GET"]}}),
    Case("role-load-balancer-duplicate-backend", "role", "load_balancer", "two backends with the same name",
         "validate step fails; says backend names must be unique", ("Backend names must be unique",), NO_HOST,
         run={"role": "load_balancer", "vars": {"load_balancer_backends": [
             {"name": "b1", "address": "127.0.0.2"}, {"name": "b1", "address": "127.0.0.3"}]}}),
    Case("role-exrp-node-digest", "role", "exrp_node", "exrp_node_image_digest 'latest'",
         "validate step fails; says the sha256 digest the exrp_image role pushed",
         ("exrp_node_image_digest", "now 'latest'"), NO_HOST,
         run={"role": "exrp_node", "vars": {"exrp_node_image_digest": "latest"}}),
    Case("role-exrp-node-empty-secret", "role", "exrp_node", "exec_gc_client_secret empty",
         "validate step fails; names exrp_node_gc_client_secret (exec_gc_client_secret)",
         ("exrp_node_gc_client_secret (exec_gc_client_secret)",), NO_HOST,
         run={"role": "exrp_node", "vars": {"exec_gc_client_secret": ""}}),
    Case("role-exec-services-lb-port", "role", "exec_services", "exec_http_lb_excp_port 'http'",
         "argument spec fails before any task; names exec_services_http_lb_excp_port and the type int",
         ("exec_services_http_lb_excp_port", "convert to int"), NO_HOST,
         run={"role": "exec_services", "vars": {"exec_http_lb_excp_port": "http"}}),
]

# ------------------------------------------------------------------------------------------------------ inventory
# playbooks/validate.yml on a copy of inventories/example; "group_vars" are merged into group_vars/all.yml,
# "exrp_hosts" replaces the hosts of the exrp group, "pop" removes variables.
NO_INVENTORY_HOST = "no host contacted; stopped in the validation play"
INVENTORY_CASES = [
    Case("inventory-one-exrp", "inventory", "validate.yml", "one host in group exrp",
         "refused: EXRP runs N+1; add a second host or set exec_allow_single_exrp for a lab",
         ("group 'exrp' has 1 host", "exec_allow_single_exrp"), NO_INVENTORY_HOST,
         run={"exrp_hosts": {"exrp1.example.com": None}}),
    Case("inventory-exrp-same-address", "inventory", "validate.yml",
         "two exrp hosts with the same address (one machine listed twice)",
         "refused: names both hosts and the address; each EXRP node must be its own machine",
         ("exrp1.example.com, exrp2.example.com", "10.0.0.21", "own machine"), NO_INVENTORY_HOST,
         run={"exrp_hosts": {"exrp1.example.com": {"ansible_host": "10.0.0.21"},
                             "exrp2.example.com": {"ansible_host": "10.0.0.21"}}}),
    Case("inventory-retire-leaves-one-exrp", "inventory", "validate.yml",
         "two exrp hosts, one of them marked exrp_node_state: absent (retiring it would leave one)",
         "refused: names the node being retired and the one serving node left; add a node first (N+1)",
         ("retiring exrp2.example.com (exrp_node_state: absent) would leave 1 serving EXRP node (exrp1.example.com)",
          "run site.yml first"), NO_INVENTORY_HOST,
         run={"exrp_hosts": {"exrp1.example.com": None, "exrp2.example.com": {"exrp_node_state": "absent"}}}),
    Case("inventory-exrp-node-state-word", "inventory", "validate.yml", "exrp_node_state 'retired' on an exrp host",
         "refused: names the value, the host and the two values allowed",
         ("exrp_node_state is 'retired' on exrp2.example.com", "present (the default) or absent"), NO_INVENTORY_HOST,
         run={"exrp_hosts": {"exrp1.example.com": None, "exrp2.example.com": {"exrp_node_state": "retired"}}}),
    Case("inventory-missing-redis", "inventory", "validate.yml", "exec_redis not defined",
         "refused; says exec_redis is not defined and what to set", ("exec_redis is not defined", "{host, port, tls}"),
         NO_INVENTORY_HOST, run={"pop": ["exec_redis"]}),
    Case("inventory-redis-tls-word", "inventory", "validate.yml", "exec_redis.tls 'sometimes'",
         "refused; says use true or false", ("exec_redis.tls is 'sometimes'", "true or false"), NO_INVENTORY_HOST,
         run={"group_vars": {"exec_redis": {"host": "redis.example.com", "port": 6379, "tls": "sometimes"}}}),
    Case("inventory-configdb-sslmode", "inventory", "validate.yml", "exec_configdb.sslmode 'maybe'",
         "refused; lists the libpq sslmodes", ("exec_configdb.sslmode is 'maybe'", "verify-full"),
         NO_INVENTORY_HOST,
         run={"group_vars": {"exec_configdb": {"host": "db.example.com", "port": 5432, "name": "config",
                                               "sslmode": "maybe"}}}),
    Case("inventory-sip-servers-string", "inventory", "validate.yml", "exec_sip_servers 'sip1:8000' (a string)",
         "refused; says a non-empty list of {host, port}", ("exec_sip_servers must be a non-empty list",),
         NO_INVENTORY_HOST, run={"group_vars": {"exec_sip_servers": "sip1:8000"}}),
    Case("inventory-stat-server-port-word", "inventory", "validate.yml", "exec_stat_servers[0].port 'stat'",
         "refused; names the item and the port range", ("exec_stat_servers[0].port is 'stat'", "1 and 65535"),
         NO_INVENTORY_HOST,
         run={"group_vars": {"exec_stat_servers": [{"host": "stat1.example.com", "port": "stat"}]}}),
    Case("inventory-two-tenants-one-org", "inventory", "validate.yml",
         "exrp1 with exec_tenant_id 2, the other EXEC hosts tenant 1, all with the same exec_org_id",
         "refused: one EX org per Engage tenant; names the org, both tenants and their hosts",
         ("is given to 2 Engage tenants", "exec_tenant_id 2 on exrp1.example.com", "its own Genesys Cloud EX org"),
         NO_INVENTORY_HOST,
         run={"exrp_hosts": {"exrp1.example.com": {"exec_tenant_id": "2"}, "exrp2.example.com": None}}),
    Case("inventory-gc-region-unknown", "inventory", "validate.yml",
         "exec_gc_region 'xyz9.pure.cloud' (not a known region)",
         "accepted (new regions appear) with a warning that names the region, the hosts derived from it and the "
         "known regions",
         ("WARNING", "exec_gc_region xyz9.pure.cloud is not a Genesys Cloud region", "login.xyz9.pure.cloud",
          "mypurecloud.ie, euw2.pure.cloud"), NO_INVENTORY_HOST,
         run={"group_vars": {"exec_gc_region": "xyz9.pure.cloud"}, "accepted": True}),
    Case("inventory-gc-region-is-a-url", "inventory", "validate.yml", "exec_gc_region 'https://api.mypurecloud.com'",
         "refused; says to give the region's domain only, with examples",
         ("exec_gc_region is 'https://api.mypurecloud.com'", "domain only", "mypurecloud.ie"), NO_INVENTORY_HOST,
         run={"group_vars": {"exec_gc_region": "https://api.mypurecloud.com"}}),
]

# ------------------------------------------------------------------------------------------------------ hosts
# The preflight role on VM-like hosts of the test's own (lab/vmhost.py) on a Docker network of its own:
# tests/integration/preflight/test_preflight_segment.py.
HOST_CASES = [
    Case("preflight-host-behind-a-router", "host", "preflight",
         "the EXRP host reaches the EXCS host only through a router (a route via a third host of the network)",
         "that host fails; the message names both hosts, the router and the route; the report's pair row says FAIL "
         "(the same hosts without the route pass)",
         ("[segment]", "are not on the same network segment", "through the router", "one subnet (VLAN)"),
         "nothing on any host (the preflight only reads)", slow=True),
]

# ------------------------------------------------------------------------------------------------------ safe defaults
DEFAULT_CASES = [
    Case("default-gax-tls-verify", "default", "cme_hybrid_transaction, hybrid_transaction",
         "no TLS option given for GAX", "certificates are verified (validate_certs true; Config DB sslmode "
         "verify-full)", ("validate_certs=True",),
         "module argument_spec + DOCUMENTATION, role defaults + argument spec",
         run={"module": "cme_hybrid_transaction", "option": "validate_certs", "value": True,
              "role": "hybrid_transaction", "role_option": "hybrid_transaction_validate_certs"}),
    Case("default-registry-tls-verify", "default", "exrp_image (module, role)", "no TLS option given for the registry",
         "certificates are verified (validate_certs true)", ("validate_certs=True",),
         "module argument_spec + DOCUMENTATION, role defaults + argument spec",
         run={"module": "exrp_image", "option": "validate_certs", "value": True,
              "role": "exrp_image", "role_option": "exrp_image_validate_certs"}),
    Case("default-gc-redis-tls-verify", "default", "connectivity_check, preflight",
         "no TLS option given for Genesys Cloud (https) or Redis TLS", "certificates are verified "
         "(checks[].validate_certs true, preflight_validate_certs true)", ("validate_certs=True",),
         "module argument_spec + DOCUMENTATION, role defaults + argument spec",
         run={"module": "connectivity_check", "option": "checks.validate_certs", "value": True,
              "role": "preflight", "role_option": "preflight_validate_certs"}),
    Case("default-redis-tls-untrusted-refused", "default", "connectivity_check", "Redis over TLS, CA not given",
         "the redis row fails with a TLS verification error (nothing turns verification off silently)",
         ("TLS verify failed", "certificate not trusted"), READ_ONLY,
         run={"module": "connectivity_check", "server": "redis_tls",
              "args": {"checks": [{"name": "redis", "host": "127.0.0.1", "port": "@server.port",
                                   "protocol": "redis", "tls": True, "login_password": "@server.password"}]}}),
    Case("default-service-env-no-insecure-key", "default", "exrp_node, exec_services",
         ".env keys written for EXRP/EXEC", "no key that turns TLS verification off (GC, Redis) is written by default",
         ("no VERIFY/INSECURE key",), "role defaults (env key maps)"),
    Case("default-haproxy-admin-loopback", "default", "load_balancer", "role defaults",
         "stats page and Prometheus exporter bind 127.0.0.1; the admin socket is a unix socket, mode 660",
         ("bind 127.0.0.1:8404", "mode 660"), "haproxy.cfg rendered from the role defaults"),
    Case("default-webdav-never-anonymous", "default", "webdav", "role defaults (no users) and the Apache template",
         "the role refuses to run without users with passwords; every method needs Basic auth "
         "(Require valid-user, no Limit/LimitExcept that lets a method through)",
         ("webdav_users", "at least one readwrite user"), "exec-webdav.conf.j2; role defaults + argument spec"),
]

CASES = MODULE_CASES + ROLE_CASES + INVENTORY_CASES + HOST_CASES + DEFAULT_CASES


def by_layer(layer):
    return [c for c in CASES if c.layer == layer]


def by_id(case_id):
    return next(c for c in CASES if c.id == case_id)
