#!/usr/bin/python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: connectivity_check
short_description: Probe a table of network endpoints concurrently, protocol-aware
version_added: 0.1.0
description:
  - Runs every check of O(checks) from the target host, concurrently in a bounded thread pool, so the whole table
    takes about as long as its slowest check, not the sum.
  - "Protocols: V(tcp) (connect), V(tls) (connect and handshake, certificate verified and reported), V(http) and
    V(https) (one request, expected status codes, optional Basic auth), V(postgres) (the PostgreSQL SSLRequest
    exchange: does the server offer TLS; optionally a real login with psycopg2), V(redis) (PING, with AUTH and TLS
    when asked; needs the C(redis) Python library)."
  - Returns one row per check. When a required check fails (and O(fail_on_error=true)) the module fails with a
    readable table of the failing rows and a reason class for each (refused, timed out, DNS, TLS verify failed,
    TLS not offered, wrong status, auth failed, ...).
  - The module only reads; it never changes anything, so C(changed) is always false and check mode runs the probes.
author:
  - engage_exec.recording contributors (!UNKNOWN)
extends_documentation_fragment:
  - engage_exec.recording.read_only
options:
  checks:
    description:
      - The table of checks. Bad rows (unknown protocol, port out of range, empty host, non-positive timeout,
        duplicate name) fail the module before any probe, with a message naming each bad check.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Unique name of the check, used in results and messages. Default C(<protocol>://<host>:<port>).
        type: str
      host:
        description: Name or address to probe.
        type: str
        required: true
      port:
        description:
          - TCP port. Defaults per protocol - V(http) 80, V(https) 443, V(postgres) 5432, V(redis) 6379;
            required for V(tcp) and V(tls).
        type: int
      protocol:
        description:
          - One of V(tcp), V(tls), V(http), V(https), V(postgres), V(redis).
          - Validated per row so that an error names the check (not with the argument spec's O(checks[].protocol)
            choices).
        type: str
        default: tcp
      timeout:
        description: Seconds this check may take in total. Default O(timeout).
        type: float
      required:
        description: A failing optional check (V(false)) is reported and warned about but does not fail the module.
        type: bool
        default: true
      validate_certs:
        description:
          - Verify the server certificate (chain and name) for V(tls), V(https) and V(redis) with O(checks[].tls).
          - V(postgres) follows O(checks[].sslmode) instead.
        type: bool
        default: true
      ca_path:
        description: PEM file of the CA(s) to trust, on the target host. Default the system store.
        type: path
      server_name:
        description:
          - Name to send as TLS SNI and to verify the certificate against (and the HTTP C(Host) header), when it
            differs from O(checks[].host), for example when probing by IP address.
        type: str
      method:
        description: HTTP method for V(http)/V(https).
        type: str
        default: GET
      path:
        description: HTTP path for V(http)/V(https).
        type: str
        default: /
      status_codes:
        description: Expected HTTP status codes. Default any 2xx or 3xx.
        type: list
        elements: int
      url_username:
        description: Basic auth user for V(http)/V(https).
        type: str
      url_password:
        description: Basic auth password for V(http)/V(https).
        type: str
      sslmode:
        description:
          - For V(postgres), the libpq sslmode the client will use - V(disable), V(allow), V(prefer), V(require),
            V(verify-ca) or V(verify-full). With V(require) and stricter a server that does not offer TLS fails the
            check; with V(verify-ca)/V(verify-full) the certificate is verified against O(checks[].ca_path), or
            the host's system CA bundle when that is not set.
        type: str
        default: prefer
      login_user:
        description:
          - For V(postgres), log in as this user with psycopg2 (needs the C(psycopg2) library on the target).
          - For V(redis), the ACL user name (Redis 6+); leave unset for the C(default) user.
        type: str
      login_password:
        description: Password for O(checks[].login_user) (V(postgres)) or Redis C(AUTH) (V(redis)).
        type: str
      database:
        description: For V(postgres) with O(checks[].login_user), the database to connect to.
        type: str
        default: postgres
      tls:
        description: For V(redis), connect with TLS.
        type: bool
        default: false
  timeout:
    description: Default seconds per check (connect, handshake and answer together).
    type: float
    default: 5.0
  concurrency:
    description: At most this many checks run at the same time (capped at 256).
    type: int
    default: 32
  fail_on_error:
    description: Fail the module when a required check fails. With V(false) the failures are only in the results.
    type: bool
    default: true
  warn_days:
    description: Warn when a certificate expires in fewer days than this.
    type: int
    default: 30
notes:
  - DNS resolution uses the host's resolver, which cannot be interrupted; a very slow resolver can make a check
    exceed its timeout.
seealso:
  - module: ansible.builtin.wait_for
  - module: engage_exec.recording.time_sync_check
"""

EXAMPLES = r"""
- name: EXCS reaches the Config DB, Redis and Genesys Cloud
  engage_exec.recording.connectivity_check:
    timeout: 3
    checks:
      - name: excs->configdb
        host: configdb.example.com
        protocol: postgres
        sslmode: verify-full
        ca_path: /etc/pki/engage-ca.pem
      - name: excs->redis
        host: redis.example.com
        port: 6379
        protocol: redis
        login_password: "{{ vault_redis_password }}"
      - name: excs->gc
        host: api.mypurecloud.com
        protocol: https
        path: /api/v2/health/check
        status_codes: [200, 401]
      - name: exas->statserver1
        host: statsrv1.example.com
        port: 2060
        required: false

- name: Collect results without failing
  engage_exec.recording.connectivity_check:
    fail_on_error: false
    checks:
      - host: 127.0.0.1
        port: 22
  register: probe
"""

RETURN = r"""
results:
  description: One row per check, in the order of O(checks).
  returned: when the check table is valid (also on failure)
  type: list
  elements: dict
  sample:
    - name: excs->redis
      host: redis.example.com
      port: 6379
      protocol: redis
      required: true
      ok: false
      elapsed_ms: 3002
      reason: timeout
      error: no answer within 3.0 s
      details: {}
      warnings: []
    - name: excs->gc
      host: api.mypurecloud.com
      port: 443
      protocol: https
      required: true
      ok: true
      elapsed_ms: 41
      reason: null
      error: null
      details: {status: 200, subject: "CN=api.mypurecloud.com", issuer: "CN=Some CA", days_to_expiry: 200}
      warnings: []
failed_checks:
  description: Names of the failing checks (required or not).
  returned: when the check table is valid (also on failure)
  type: list
  elements: str
  sample: [excs->redis]
elapsed:
  description: Seconds the whole table took.
  returned: when the check table is valid (also on failure)
  type: float
  sample: 3.01
table:
  description: The failure table (empty when every check passed).
  returned: when the check table is valid (also on failure)
  type: str
  sample: "check        target                   proto  reason     detail"
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils import _connectivity as backend


def argument_spec():
    return dict(
        checks=dict(type="list", elements="dict", required=True, options=dict(
            name=dict(type="str"),
            host=dict(type="str", required=True),
            port=dict(type="int"),
            protocol=dict(type="str", default="tcp"),
            timeout=dict(type="float"),
            required=dict(type="bool", default=True),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
            server_name=dict(type="str"),
            method=dict(type="str", default="GET"),
            path=dict(type="str", default="/"),
            status_codes=dict(type="list", elements="int"),
            url_username=dict(type="str"),
            url_password=dict(type="str", no_log=True),
            sslmode=dict(type="str", default="prefer"),
            login_user=dict(type="str"),
            login_password=dict(type="str", no_log=True),
            database=dict(type="str", default="postgres"),
            tls=dict(type="bool", default=False),
        )),
        timeout=dict(type="float", default=5.0),
        concurrency=dict(type="int", default=32),
        fail_on_error=dict(type="bool", default=True),
        warn_days=dict(type="int", default=30),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    checks, problems = backend.normalize_checks(params["checks"], params["timeout"])
    if params["concurrency"] < 1:
        problems.append("concurrency is %d: it must be at least 1" % params["concurrency"])
    if problems:
        module.fail_json(msg="The check table has %d problem(s); nothing was probed:\n%s"
                         % (len(problems), "\n".join("- " + p for p in problems)), problems=problems)

    start = time.monotonic()
    rows = backend.run_checks(checks, params["concurrency"], params["warn_days"])
    elapsed = round(time.monotonic() - start, 3)

    for row in rows:
        for text in row["warnings"]:
            module.warn("%s (%s:%s): %s" % (row["name"], row["host"], row["port"], text))
        if not row["ok"] and not row["required"]:
            module.warn("optional check %s failed: %s" % (row["name"], row["error"]))

    failing = [r for r in rows if not r["ok"]]
    required_failing = [r for r in failing if r["required"]]
    table = backend.failure_table(failing)
    result = dict(changed=False, results=rows, failed_checks=[r["name"] for r in failing], elapsed=elapsed,
                  table=table)
    if required_failing and params["fail_on_error"]:
        module.fail_json(msg="%d of %d connectivity checks failed (from this host):\n%s"
                         % (len(required_failing), len(rows), table), **result)
    result["msg"] = "%d of %d checks passed in %.2f s" % (len(rows) - len(failing), len(rows), elapsed)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
