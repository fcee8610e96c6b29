#!/usr/bin/python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: connectivity_check
short_description: Probe a table of network endpoints concurrently, protocol-aware
version_added: 1.0.0
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
  - engage_exec.recording maintainers (@engage_exec)
extends_documentation_fragment:
  - engage_exec.recording.read_only
  - engage_exec.recording.connectivity_checks
options:
  checks:
    description:
      - The table of checks. Bad rows (unknown protocol, port out of range, empty host, non-positive timeout,
        duplicate name) fail the module before any probe, with a message naming each bad check.
    required: true
  fail_on_error:
    description: Fail the module when a required check fails. With V(false) the failures are only in the results.
    type: bool
    default: true
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils import _connectivity as backend
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError, module_result


def main():
    module = AnsibleModule(argument_spec=dict(backend.argument_spec(checks_required=True),
                                              fail_on_error=dict(type="bool", default=True)),
                           supports_check_mode=True)
    try:
        result = module_result(module, backend.probe_table(module.params))
    except ModuleError as exc:
        module.fail_json(**exc.result())
    required_failing = [r for r in result["results"] if not r["ok"] and r["required"]]
    if required_failing and module.params["fail_on_error"]:
        rest = {key: value for key, value in result.items() if key != "msg"}
        module.fail_json(msg="%d of %d connectivity checks failed (from this host):\n%s"
                         % (len(required_failing), len(result["results"]), result["table"]), changed=False, **rest)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
