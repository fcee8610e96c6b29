#!/usr/bin/python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: time_sync_check
short_description: Prove the host clock is synchronised (chrony, systemd-timesyncd, ntpd or SNTP)
version_added: 1.0.0
description:
  - Finds how the host keeps time - chrony (C(chronyc -c tracking) and C(sources)), systemd-timesyncd
    (C(timedatectl show-timesync)) or ntpd (C(ntpq -pn)) - and reports whether the clock is synchronised, its
    offset, the stratum and how long ago it last synchronised.
  - With O(ntp_server) the module also asks that server directly over SNTP (its own small client, no extra library)
    and checks the offset against it. When no local time service is found, the SNTP answer is the result.
  - Fails with a message listing every problem when the clock is not synchronised, when the absolute offset is above
    O(max_offset), or when the last synchronisation is older than O(max_sync_age) (EXEC hosts must synchronise at
    least once every 24 hours).
author:
  - engage_exec.recording maintainers (@engage_exec)
extends_documentation_fragment:
  - engage_exec.recording.read_only
options:
  method:
    description:
      - How to read the clock state. V(auto) tries chrony, then systemd-timesyncd, then ntpd, then SNTP against
        O(ntp_server).
    type: str
    choices: [auto, chrony, timesyncd, ntpd, sntp]
    default: auto
  ntp_server:
    description:
      - An NTP server to query over SNTP. Required with O(method=sntp); with another method the offset against it
        is checked in addition to the local service's view.
    type: str
  ntp_port:
    description: UDP port of O(ntp_server).
    type: int
    default: 123
  ntp_timeout:
    description: Seconds to wait for the SNTP answer.
    type: float
    default: 2.0
  max_offset:
    description: Largest acceptable absolute clock offset, in seconds.
    type: float
    default: 1.0
  max_sync_age:
    description: Largest acceptable time since the last synchronisation, in seconds (86400 is the 24 h rule).
    type: int
    default: 86400
  chronyc_host:
    description:
      - Where C(chronyc) finds chronyd (its C(-h) option) - an address for the UDP command port, or the path of
        chronyd's Unix command socket. Default chronyc's own default (the local daemon).
      - Useful when chronyd runs with a non-default C(bindcmdaddress), for example in tests.
      - Read from the environment variable E(TIME_SYNC_CHRONYC_HOST) when not set.
    type: str
  chronyc_port:
    description:
      - UDP command port of chronyd (chronyc's C(-p) option), with an address in O(chronyc_host).
      - Read from the environment variable E(TIME_SYNC_CHRONYC_PORT) when not set.
    type: int
  fail_on_error:
    description: Fail when a rule is broken. With V(false) the problems are only returned in RV(problems).
    type: bool
    default: true
seealso:
  - module: engage_exec.recording.connectivity_check
notes:
  - systemd-timesyncd does not expose the current offset; RV(offset) is then null unless O(ntp_server) is given.
    Its last synchronisation time is the modification time of C(/run/systemd/timesync/synchronized).
  - With O(method=sntp), or when no local service is found, nothing on the host keeps the clock synchronised;
    RV(last_sync_age) is null and the module warns.
"""

EXAMPLES = r"""
- name: The clock is synchronised (24 h rule, offset under 1 s)
  engage_exec.recording.time_sync_check:

- name: Cross-check against the site's NTP server, stricter offset
  engage_exec.recording.time_sync_check:
    ntp_server: ntp1.example.com
    max_offset: 0.5

- name: Read a chronyd that listens on a non-default command socket
  engage_exec.recording.time_sync_check:
    method: chrony
    chronyc_host: /run/chrony-lab/chronyd.sock
  register: clock
"""

RETURN = r"""
synchronized:
  description: Whether the time service says the clock is synchronised.
  returned: always
  type: bool
  sample: true
method:
  description: Which time service the result comes from (chrony, timesyncd, ntpd, sntp).
  returned: when a time source was read (also on failure)
  type: str
  sample: chrony
source:
  description: The reference the clock follows (server name or address), or the SNTP server asked.
  returned: when a time source was read (also on failure)
  type: str
  sample: 10.0.0.5
offset:
  description: Local clock minus true time, in seconds (positive - the local clock is ahead); null when unknown.
  returned: when a time source was read (also on failure)
  type: float
  sample: -0.000012
stratum:
  description: Stratum of the host's clock; null when unsynchronised.
  returned: when a time source was read (also on failure)
  type: int
  sample: 3
last_sync_age:
  description: Seconds since the last synchronisation; null when unknown.
  returned: when a time source was read (also on failure)
  type: float
  sample: 37.2
sources:
  description: chrony's sources (C(chronyc -c sources)), when chrony was used.
  returned: when method is chrony
  type: list
  elements: dict
  sample: [{name: 10.0.0.5, state: "*", stratum: 2, reach: "377", offset: -0.000012, selected: true}]
sntp:
  description: The SNTP answer of O(ntp_server) (offset, delay, server stratum), when it was asked.
  returned: when ntp_server is set
  type: dict
  sample: {source: ntp1.example.com, offset: 0.0021, delay: 0.0004, server_stratum: 2, synchronized: true}
problems:
  description: Every broken rule, readable.
  returned: always
  type: list
  elements: str
  sample: ["last synchronisation was 2 days, 0:00:00 ago, more than max_sync_age 1 day, 0:00:00 (the 24 h rule)"]
tried:
  description: The time services tried in order, and why each was not used.
  returned: always
  type: list
  elements: str
  sample: ["chrony: chronyc not installed"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils import _timesync as backend
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError, module_result


def main():
    module = AnsibleModule(argument_spec=dict(backend.argument_spec(), fail_on_error=dict(type="bool", default=True)),
                           required_if=backend.REQUIRED_IF, supports_check_mode=True)
    try:
        result = module_result(module, backend.check_clock(module.params, module.run_command, module.get_bin_path))
    except ModuleError as exc:
        module.fail_json(**exc.result())
    if result["problems"] and module.params["fail_on_error"]:
        del result["msg"]
        module.fail_json(msg="Clock check failed: " + "; ".join(result["problems"]), changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
