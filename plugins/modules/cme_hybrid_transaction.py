#!/usr/bin/python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cme_hybrid_transaction
short_description: Ensure the hybrid_integration Transaction and its Annex sections in the Engage configuration
version_added: 1.0.0
description:
  - Ensures a Transaction object (type List, C(CFGTRTList)) of one tenant, by default C(hybrid_integration) of the
    single-tenant default tenant C(Environment), with the given Annex sections of key/value pairs. EXCS reads this
    object from the Config DB.
  - Only the named tenant's object is ever read or changed, also when other tenants have an object of the same name.
  - Values are compared as strings, the way the Configuration Layer stores them (C(true)/C(false) for booleans).
    Keys the module is not told about are kept unless O(purge=true), and sections it is not given are never
    touched (the same transaction can hold sections that another Genesys service reads, for example C(general)).
  - Backend C(gax) (default) writes through the GAX REST API, so that Configuration Server applies the change.
    Backend C(configdb) writes the Config DB (PostgreSQL) directly in one database transaction, for labs and bootstrap
    when no GAX exists; Configuration Server caches configuration and must be restarted or synchronised afterwards
    (the module warns).
  - The value of every C(client_secret) key and of every key in O(secret_keys) is treated as a secret, masked in the
    diff, in the returned object and in every message.
author:
  - engage_exec.recording maintainers (@engage_exec)
options:
  backend:
    description:
      - How to reach the Engage configuration. V(gax) is the safe write path; V(configdb) is a direct database write
        for labs and bootstrap.
    type: str
    choices: [gax, configdb]
    default: gax
  tenant:
    description: Name of the tenant (C(CfgTenant)) that owns the object.
    type: str
    default: Environment
  name:
    description: Name of the Transaction object.
    type: str
    default: hybrid_integration
  alias:
    description:
      - Alias of the Transaction object. Configuration Server refuses a Transaction without one.
      - When omitted, a new object gets its O(name) as alias and an existing one keeps its alias. An existing
        object without an alias is reported (RV(alias_missing)) and gets O(name) as alias with its next change.
      - Must not be empty.
    type: str
  folder:
    description:
      - Folder (C(CfgFolder) holding C(CFGTransaction) objects) for the object, by name, by path under the tenant
        (V(Transactions/EXEC)) or by dbid.
      - When omitted, a new object goes to the tenant's default Transactions folder and an existing one stays where
        it is. When given, an existing object in another folder is moved there.
      - The default folder is the tenant's folder of class C(CFGFCDefault) with content type C(CFGTransaction).
        Where GAX gives neither folder class nor content type, it is the tenant's one root folder named
        C(Transactions). Otherwise the module fails, listing the candidate folders (path and dbid); set O(folder) then.
    type: str
  sections:
    description:
      - "Annex sections, V({section: {key: value}}). Values must be single-line strings, numbers or booleans."
    type: dict
    default: {}
  purge:
    description:
      - When V(true), every section given in O(sections) becomes exactly the keys listed there; keys not listed are
        removed from it, and a section given as V({}) is removed.
      - Sections not given in O(sections) are never touched, also with O(purge=true); they may belong to other
        products (for example C(general), read by another Genesys service).
    type: bool
    default: false
  state:
    description: V(present) ensures the object; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  secret_keys:
    description:
      - Key names (in any section) or C(section.key) names whose values are secrets, in addition to C(client_secret).
    type: list
    elements: str
    default: []
  gax_url:
    description:
      - Base URL of GAX, without C(/gax/api), for example V(https://gax.example.com:8080).
      - Required with O(backend=gax). Taken from the E(GAX_URL) environment variable when not given.
    type: str
  gax_username:
    description: GAX user. Taken from E(GAX_USERNAME) when not given.
    type: str
  gax_password:
    description: Password of O(gax_username). Taken from E(GAX_PASSWORD) when not given.
    type: str
  validate_certs:
    description: Verify GAX's TLS certificate. Turn off only in a lab.
    type: bool
    default: true
  ca_path:
    description: PEM file of the CA that signed GAX's certificate.
    type: path
  timeout:
    description: Seconds to wait for GAX or for the Config DB connection.
    type: int
    default: 30
  retries:
    description: How often a GAX request is retried after a connection error or a 5xx answer (never after a 4xx).
    type: int
    default: 3
  configdb_host:
    description:
      - Config DB (PostgreSQL) host, for O(backend=configdb) and O(verify_configdb). Taken from E(PGHOST).
    type: str
  configdb_port:
    description: Config DB port. Taken from E(PGPORT).
    type: int
    default: 5432
  configdb_name:
    description: Config DB database name. Taken from E(PGDATABASE).
    type: str
  configdb_user:
    description:
      - Config DB user. With O(backend=gax) and O(verify_configdb=true) give a read-only user. Taken from E(PGUSER).
    type: str
  configdb_password:
    description: Password of O(configdb_user). Taken from E(PGPASSWORD).
    type: str
  configdb_sslmode:
    description: libpq sslmode for the Config DB connection. Taken from E(PGSSLMODE).
    type: str
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
    default: verify-full
  configdb_ca_path:
    description:
      - PEM file of the CA that signed the Config DB's certificate. Taken from E(PGSSLROOTCERT).
      - When not set and O(configdb_sslmode) is V(verify-ca) or V(verify-full), the host's system CA bundle is used
        (unless C(~/.postgresql/root.crt) exists).
    type: path
  verify_configdb:
    description:
      - After a change, read the object back from the Config DB in a read-only session and fail when it differs
        from what was written; this proves what EXCS will see. Needs the O(configdb_host) group of options.
      - Not done in check mode.
    type: bool
    default: false
requirements:
  - requests (backend gax)
  - psycopg2 (backend configdb, verify_configdb)
attributes:
  check_mode:
    support: full
    description: A check run reads, compares and reports the diff; it writes nothing.
  diff_mode:
    support: full
    description: The object before and after as text, secrets masked.
  idempotent:
    support: full
    description: A second run with the same options changes nothing.
notes:
  - A Transaction of the same name but another type (not List) is an error; the module never converts it.
  - With O(backend=configdb) concurrent runs are serialised by an advisory lock per tenant and name.
seealso:
  - name: Genesys Administrator Extension (GAX)
    description: The GAX REST API this module talks to.
    link: https://docs.genesys.com/Documentation/GA
"""

EXAMPLES = r"""
- name: Ensure hybrid_integration for the single-tenant site through GAX
  engage_exec.recording.cme_hybrid_transaction:
    gax_url: https://gax.example.com:8080
    gax_username: "{{ vault_gax_username }}"
    gax_password: "{{ vault_gax_password }}"
    sections:
      agent_state_sync:
        client_id: "{{ gc_client_id }}"
        client_secret: "{{ vault_gc_client_secret }}"
        agent_polling_interval: 30
  delegate_to: localhost
  run_once: true

- name: Same for a second tenant, proving what EXCS will read with a read-only Config DB user
  engage_exec.recording.cme_hybrid_transaction:
    tenant: Tenant_B
    sections:
      agent_state_sync:
        client_id: "{{ gc_client_id_b }}"
        client_secret: "{{ vault_gc_client_secret_b }}"
    verify_configdb: true
    configdb_host: configdb.example.com
    configdb_name: config
    configdb_user: exec_readonly
    configdb_password: "{{ vault_configdb_readonly_password }}"
  environment:
    GAX_URL: https://gax.example.com:8080
    GAX_USERNAME: "{{ vault_gax_username }}"
    GAX_PASSWORD: "{{ vault_gax_password }}"

- name: Lab bootstrap without GAX - direct Config DB write (restart Configuration Server afterwards)
  engage_exec.recording.cme_hybrid_transaction:
    backend: configdb
    configdb_host: lab-engage
    configdb_name: config
    configdb_user: config_admin
    configdb_password: "{{ lab_configdb_password }}"
    configdb_sslmode: require
    sections:
      agent_state_sync:
        client_id: lab-client
        client_secret: "{{ lab_client_secret }}"

- name: Remove the transaction of a tenant
  engage_exec.recording.cme_hybrid_transaction:
    tenant: Tenant_B
    state: absent
    gax_url: https://gax.example.com:8080
    gax_username: "{{ vault_gax_username }}"
    gax_password: "{{ vault_gax_password }}"
"""

RETURN = r"""
dbid:
  description: dbid of the object (null when it does not exist, or would be created in check mode).
  returned: always
  type: int
  sample: 1042
object:
  description: The object after the run, secrets masked (empty when absent).
  returned: always
  type: dict
  sample:
    dbid: 1042
    name: hybrid_integration
    alias: hybrid_integration
    tenant: Environment
    tenantdbid: 1
    folderid: 201
    subtype: CFGTRTList
    state: CFGEnabled
    sections:
      agent_state_sync:
        client_id: exec-client
        client_secret: "********"
        agent_polling_interval: "30"
diff:
  description: The object before and after as text, secrets masked; a changed secret shows as C(******** (changed)).
  returned: in diff mode (C(--diff))
  type: dict
  sample:
    before: "name: hybrid_integration\n[agent_state_sync]\nagent_polling_interval = 30\n"
    after: "name: hybrid_integration\n[agent_state_sync]\nagent_polling_interval = 60\n"
changes:
  description:
    - What changed (or would change), one C(add|change|remove section.key) item per key.
    - C(set alias) when an object without an alias gets one, C(change alias) when O(alias) changes it.
  returned: always
  type: list
  elements: str
  sample: ["change agent_state_sync.agent_polling_interval", "add agent_state_sync.client_id"]
alias_missing:
  description:
    - V(true) when the existing object had no alias before this run (Configuration Server refuses to save such an
      object). The module sets it (O(alias), else O(name)) with the object's next change, and warns while it is
      still missing.
  returned: always
  type: bool
  sample: false
verified:
  description: V(true) when O(verify_configdb) read the expected object back from the Config DB; null when not asked
    or in check mode.
  returned: always
  type: bool
  sample: true
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.engage_exec.recording.plugins.module_utils import _annex
from ansible_collections.engage_exec.recording.plugins.module_utils import _cme
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import module_result


def argument_spec():
    return dict(
        backend=dict(type="str", choices=["gax", "configdb"], default="gax"),
        tenant=dict(type="str", default="Environment"),
        name=dict(type="str", default="hybrid_integration"),
        alias=dict(type="str"),
        folder=dict(type="str"),
        sections=dict(type="dict", default={}),
        purge=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        secret_keys=dict(type="list", elements="str", default=[], no_log=False),
        gax_url=dict(type="str", fallback=(env_fallback, ["GAX_URL"])),
        gax_username=dict(type="str", fallback=(env_fallback, ["GAX_USERNAME"])),
        gax_password=dict(type="str", no_log=True, fallback=(env_fallback, ["GAX_PASSWORD"])),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="int", default=30),
        retries=dict(type="int", default=3),
        configdb_host=dict(type="str", fallback=(env_fallback, ["PGHOST"])),
        configdb_port=dict(type="int", default=5432, fallback=(env_fallback, ["PGPORT"])),
        configdb_name=dict(type="str", fallback=(env_fallback, ["PGDATABASE"])),
        configdb_user=dict(type="str", fallback=(env_fallback, ["PGUSER"])),
        configdb_password=dict(type="str", no_log=True, fallback=(env_fallback, ["PGPASSWORD"])),
        configdb_sslmode=dict(type="str", default="verify-full", fallback=(env_fallback, ["PGSSLMODE"]),
                              choices=["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]),
        configdb_ca_path=dict(type="path", fallback=(env_fallback, ["PGSSLROOTCERT"])),
        verify_configdb=dict(type="bool", default=False),
    )


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        required_if=[
            ("backend", "gax", ("gax_url", "gax_username", "gax_password")),
            ("backend", "configdb", _cme.CONFIGDB_REQUIRED),
            ("verify_configdb", True, _cme.CONFIGDB_REQUIRED),
        ],
        supports_check_mode=True,
    )
    try:
        result = _cme.run(module.params, module.check_mode, module.no_log_values.update)
    except _annex.AnnexError as exc:
        module.fail_json(**module_result(module, exc.result()))
    module.exit_json(**module_result(module, result))


if __name__ == "__main__":
    main()
