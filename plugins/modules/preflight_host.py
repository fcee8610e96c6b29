#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: preflight_host
version_added: 0.1.0
short_description: Read a host's sizing and clock and probe its connectivity rows, in one call
description:
  - The preflight role's one call per host. It does the work of M(engage_exec.recording.host_resources)
    (O(resources)), M(engage_exec.recording.time_sync_check) (O(time)) and
    M(engage_exec.recording.connectivity_check) (O(checks)) with the same code, and returns each part's result as
    that module would, under RV(resources), RV(time) and RV(connectivity). One remote call instead of four saves
    the per-task overhead of the other three.
  - A part whose option is omitted or null is not run, and its result is null.
  - A part never fails the module. Each runs as its module would with C(fail_on_error=false), and a part that
    cannot run at all (no time service, a bad parameter, a check table with bad rows) returns C(failed=true) and
    its message in its own result. The module fails only when its arguments do not match the argument spec.
  - The connectivity checks run in a thread while the host and its clock are read, so the call takes about as long
    as the slower of the two.
author:
  - engage_exec.recording contributors (!UNKNOWN)
options:
  resources:
    description:
      - Read the host's CPUs, memory, free disk space and Docker version as
        M(engage_exec.recording.host_resources) does.
    type: dict
    suboptions:
      paths:
        description: Paths whose file system's free space to read (the nearest existing parent when missing).
        type: list
        elements: path
        default: []
      docker:
        description: Also read the Docker engine version (why it could not be read is returned, not a failure).
        type: bool
        default: false
  time:
    description:
      - Check the clock as M(engage_exec.recording.time_sync_check) does, with
        O(engage_exec.recording.time_sync_check#module:fail_on_error=false). The suboptions are that module's
        options, with the same defaults.
    type: dict
    suboptions:
      method:
        description: The time service to read, V(auto) for the first one found (chrony, timesyncd, ntpd, then SNTP).
        type: str
        choices: [auto, chrony, timesyncd, ntpd, sntp]
        default: auto
      ntp_server:
        description: Also measure the offset against this NTP server over SNTP (needed for O(time.method=sntp)).
        type: str
      ntp_port:
        description: The UDP port O(time.ntp_server) answers on.
        type: int
        default: 123
      ntp_timeout:
        description: How long to wait for O(time.ntp_server), in seconds.
        type: float
        default: 2.0
      max_offset:
        description: The clock may be this many seconds ahead or behind at most.
        type: float
        default: 1.0
      max_sync_age:
        description: The last synchronisation may be this many seconds old at most (EXEC's 24 h rule by default).
        type: int
        default: 86400
      chronyc_host:
        description:
          - The chronyd that C(chronyc) asks (its C(-h)), by address or Unix command socket.
          - Read from the environment variable E(TIME_SYNC_CHRONYC_HOST) when not set.
        type: str
      chronyc_port:
        description:
          - The UDP command port of that chronyd (chronyc's C(-p)).
          - Read from the environment variable E(TIME_SYNC_CHRONYC_PORT) when not set.
        type: int
extends_documentation_fragment:
  - engage_exec.recording.read_only
  - engage_exec.recording.connectivity_checks
seealso:
  - module: engage_exec.recording.host_resources
  - module: engage_exec.recording.time_sync_check
  - module: engage_exec.recording.connectivity_check
"""

EXAMPLES = r"""
- name: Read an EXEC host and its clock, and probe its peers, in one call
  engage_exec.recording.preflight_host:
    resources:
      paths: [/var/lib/docker]
      docker: true
    time:
      max_sync_age: 86400
    checks:
      - name: excs->configdb
        host: configdb.example.com
        protocol: postgres
      - name: excs->redis
        host: redis.example.com
        port: 6379
    timeout: 3
  register: probe

- name: The host passed every check
  ansible.builtin.assert:
    that:
      - probe.resources.disks[0].free_kb >= 80 * 1024 * 1024
      - probe.time.problems | length == 0
      - probe.connectivity.failed_checks | default(['the check table']) | length == 0
"""

RETURN = r"""
resources:
  description:
    - What M(engage_exec.recording.host_resources) returns for O(resources) (CPUs, memory, disks, Docker
      version). Null without O(resources).
  returned: always
  type: dict
  sample: {cpus: 4, memory_mb: 7953, disks: [{path: /var/lib/docker, checked: /var/lib, mount: /, free_kb: 81920000,
           error: null}], docker: {version: "24.0.7", error: null}}
time:
  description:
    - What M(engage_exec.recording.time_sync_check) returns for O(time) with C(fail_on_error=false) (synchronized,
      method, source, offset, stratum, last_sync_age, sntp, problems, tried, checked_at, msg). Null without
      O(time).
    - When that module would fail before any rule is applied (no time service found, the method is not usable, a
      bad parameter), only failed (true), msg, problems (the message), synchronized (false) and tried.
  returned: always
  type: dict
  sample: {synchronized: true, method: chrony, source: 10.0.0.5, offset: -0.000012, stratum: 3, last_sync_age: 37.2,
           problems: [], tried: [], msg: "clock synchronised (chrony, source 10.0.0.5, offset -1.2e-05 s, last sync
           37.2 s ago)"}
connectivity:
  description:
    - What M(engage_exec.recording.connectivity_check) returns for O(checks) with C(fail_on_error=false)
      (results, failed_checks, elapsed, table, msg). Null without O(checks).
    - When the check table has bad rows nothing is probed, and it is failed (true), msg (connectivity_check's
      message) and problems (one per bad row).
  returned: always
  type: dict
  sample: {results: [{name: excs->redis, host: redis.example.com, port: 6379, protocol: tcp, required: true,
           ok: true, elapsed_ms: 2, reason: null, error: null, details: {}, warnings: []}], failed_checks: [],
           elapsed: 0.003, table: "", msg: "1 of 1 checks passed in 0.00 s"}
"""

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils import _connectivity
from ansible_collections.engage_exec.recording.plugins.module_utils import _host_resources
from ansible_collections.engage_exec.recording.plugins.module_utils import _timesync


def probe(params, warn):
    """connectivity_check's result, or what it would fail with, marked failed."""
    result, failure = _connectivity.probe_table(params, warn)
    return dict(failure, failed=True) if failure else result


def check_clock(module):
    """time_sync_check's result with fail_on_error=false, or what it would fail with, marked failed (with the
    message as the one problem, also for a bad parameter)."""
    result, failure = _timesync.check_clock(module.params["time"], module.run_command, module.get_bin_path,
                                            module.warn)
    if failure:
        return dict({"problems": [failure["msg"]], "synchronized": False, "tried": []}, **failure, failed=True)
    return result


def main():
    module = AnsibleModule(argument_spec=dict(
        resources=dict(type="dict", options=_host_resources.argument_spec()),
        time=dict(type="dict", options=_timesync.argument_spec(), required_if=_timesync.REQUIRED_IF),
        **_connectivity.argument_spec(checks_required=False)), supports_check_mode=True)
    params = module.params
    later = []  # the connectivity part's warnings, given after the others' so that their order does not vary
    # The checks wait on the network in a thread (they only use sockets) while this one runs the commands.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="preflight") as pool:
        checks = pool.submit(probe, params, later.append) if params["checks"] is not None else None
        resources = _host_resources.read(params["resources"], module.run_command, module.get_bin_path) \
            if params["resources"] is not None else None
        clock = check_clock(module) if params["time"] is not None else None
        connectivity = checks.result() if checks is not None else None
    for text in later:
        module.warn(text)
    module.exit_json(changed=False, resources=resources, time=clock, connectivity=connectivity)


if __name__ == "__main__":
    main()
