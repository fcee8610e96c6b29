#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: host_probe
version_added: 1.0.0
short_description: Read, in one call, whichever parts of a host's state are asked for
description:
  - The collection's read-only probe of a host, one remote call per host. It reads, in one call, whichever parts are
    asked for, each with the same code as the module that reads it alone, and returns each part's result under its
    own key. One call instead of several saves the per-task overhead (about a quarter of a second each) of the others.
  - O(resources) - CPUs, memory, free disk space and Docker version, as M(engage_exec.recording.host_resources)
    (RV(resources)).
  - O(time) - the clock, as M(engage_exec.recording.time_sync_check) (RV(time)).
  - O(checks) - connectivity checks to peers, as M(engage_exec.recording.connectivity_check) (RV(connectivity)).
  - O(listeners) - the processes listening on some TCP ports, as M(engage_exec.recording.tcp_listeners)
    (RV(listeners)).
  - O(sysctls) - kernel parameters from C(/proc/sys) (RV(sysctls)).
  - O(packages) - whether some packages are installed, from the package database (RV(packages)).
  - O(units) - whether some systemd units are loaded, running and enabled at boot, in one C(systemctl show)
    (RV(units)).
  - O(routes) - the kernel's route to some peers, as C(ip route get) tells it (RV(routes)); the preflight role
    proves with it that the EXEC hosts reach each other without a router hop (one network segment).
  - O(facts) - the four host facts the collection's roles read (RV(ansible_facts.kernel),
    RV(ansible_facts.architecture), RV(ansible_facts.os_family), RV(ansible_facts.service_mgr)), returned as facts
    so that no setup run is needed for them.
  - A part whose option is omitted or null is not run, and its result is null.
  - What a part finds never fails the module. O(time) and O(checks) run as their modules would with
    C(fail_on_error=false), and when they cannot run at all (no time service, a bad parameter, a check table with
    bad rows) their own result says C(failed=true) and why; a package database that cannot be read is reported in
    RV(packages.error).
  - The module fails only on bad arguments - those that do not match the argument spec, and ports out of range in
    O(listeners), bad names in O(sysctls), O(packages) or O(units) (every one is listed) - and then reads nothing.
  - The connectivity checks run in a thread while the other parts are read, so the call takes about as long as the
    slower of the two.
author:
  - engage_exec.recording maintainers (@engage_exec)
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
  listeners:
    description:
      - TCP ports whose listening processes to find, as M(engage_exec.recording.tcp_listeners) does with
        O(engage_exec.recording.tcp_listeners#module:ports).
      - Each must be from 1 to 65535.
    type: list
    elements: int
  sysctls:
    description:
      - Kernel parameters to read, by their dotted names as sysctl(8) prints them (V(net.core.somaxconn) is read from
        C(/proc/sys/net/core/somaxconn)).
      - A name is parts of letters, digits, C(_) and C(-) joined by single dots; any other name (with C(/), C(..),
        an empty part) is refused. A parameter whose own name holds a dot (a VLAN interface such as C(eth0.10)) cannot
        be named this way.
    type: list
    elements: str
  packages:
    description:
      - Packages whether to tell are installed, by name (C(name:arch) on Debian, C(name.arch) on RPM systems to ask
        for one architecture).
      - Asked of C(dpkg-query) when the host has it, else of C(rpm), in one command. Names are taken as names, never
        as patterns; a name must start with a letter or digit and hold only letters, digits and C(. _ + - :).
    type: list
    elements: str
  units:
    description:
      - systemd units whose state to read, by name as C(systemctl) takes them (V(apache2) is V(apache2.service)), in
        one C(systemctl show) call, whether each is loaded, active and enabled at boot (RV(units)).
      - A role asks this before it asks systemd to start and enable its service, so that a rerun where the service
        runs and is enabled already makes no further call.
      - A name must hold only letters, digits, colons, and C(_ . @ -) (and the backslash of systemd's escapes), and
        not start with C(-).
    type: list
    elements: str
  routes:
    description:
      - Peers (IP addresses or host names, resolved on the host as a connection would) whose route to read with
        C(ip route get <address>), one command per peer.
      - A peer reached through a router has a gateway (RV(routes[].via)); one on a directly connected network has
        none.
    type: list
    elements: str
  facts:
    description:
      - Return the host facts C(kernel), C(architecture), C(os_family) and C(service_mgr) as facts
        (RV(ansible_facts.kernel) and the others under C(ansible_facts)), with the values the
        M(ansible.builtin.setup) module gives them on Linux, read from C(/etc/os-release), C(/proc/1/comm) and a few
        paths instead of a setup run (which costs about a quarter of a second more).
      - C(os_family) is returned only for a distribution whose family is certain from its os-release C(ID) (Debian,
        Ubuntu and their kin, RHEL, CentOS, Fedora, Rocky, AlmaLinux, Oracle Linux, Amazon Linux, SUSE, Arch, Alpine,
        Gentoo); on another one it is left out, and a role that needs it gathers it with M(ansible.builtin.setup).
    type: bool
    default: false
extends_documentation_fragment:
  - engage_exec.recording.read_only
  - engage_exec.recording.connectivity_checks
seealso:
  - module: engage_exec.recording.host_resources
  - module: engage_exec.recording.time_sync_check
  - module: engage_exec.recording.connectivity_check
  - module: engage_exec.recording.tcp_listeners
"""

EXAMPLES = r"""
- name: Read an EXEC host and its clock, and probe its peers, in one call
  engage_exec.recording.host_probe:
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

- name: The facts the roles read (kernel, architecture, OS family, service manager) without a setup run
  engage_exec.recording.host_probe:
    facts: true

- name: Everything a web server role reads before it changes anything, in one call
  engage_exec.recording.host_probe:
    resources:
      paths: [/srv/webdav]
    listeners: [80, 443]
    sysctls: [net.core.somaxconn]
    packages: [apache2, cron]
  register: web_host

- name: Install only what is missing
  ansible.builtin.package:
    name: "{{ web_host.packages.missing }}"
  when: web_host.packages.missing | length > 0

- name: Raise the listen queue limit when it is lower than the backlog
  ansible.posix.sysctl:
    name: net.core.somaxconn
    value: "4096"
  when: (web_host.sysctls['net.core.somaxconn'] | default(0, true) | int) < 4096

- name: Is each peer reached without a router hop?
  engage_exec.recording.host_probe:
    routes: [exrp1.example.com, exrp2.example.com]
  register: peers

- name: No route through a router
  ansible.builtin.assert:
    that: peers.routes | selectattr('via') | list | length == 0
    fail_msg: "{{ peers.routes | selectattr('via') | map(attribute='route') | list }}"
"""

RETURN = r"""
ansible_facts:
  description:
    - With O(facts=true), the host facts C(kernel), C(architecture), C(os_family) (left out when not certain, see
      O(facts)) and C(service_mgr); they become the host's facts for the rest of the run. Empty without O(facts).
  returned: always
  type: dict
  sample: {kernel: 6.1.0-18-amd64, architecture: x86_64, os_family: Debian, service_mgr: systemd}
  contains:
    kernel:
      description: The running kernel's release, as C(uname -r) prints it.
      returned: with O(facts=true)
      type: str
      sample: 6.1.0-18-amd64
    architecture:
      description: The machine's architecture, as C(uname -m) prints it.
      returned: with O(facts=true)
      type: str
      sample: x86_64
    os_family:
      description: The distribution's family, as M(ansible.builtin.setup) names it.
      returned: with O(facts=true), when the family is certain from the os-release C(ID) (see O(facts))
      type: str
      sample: Debian
    service_mgr:
      description: What runs the host's services, as M(ansible.builtin.setup) names it.
      returned: with O(facts=true)
      type: str
      sample: systemd
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
listeners:
  description:
    - What M(engage_exec.recording.tcp_listeners) returns for O(listeners) as its ports. Null without O(listeners).
  returned: always
  type: dict
  contains:
    ports:
      description: For each asked port something listens on, the listening processes as C(name[pid]) (C(unknown[?])
        for a process that cannot be seen).
      type: dict
      sample: {"80": ["apache2[812]", "apache2[815]"]}
    running:
      description: Names of every process on the host.
      type: list
      elements: str
      sample: [apache2, haproxy, sshd]
sysctls:
  description:
    - For each name of O(sysctls), its value as read from C(/proc/sys), as a string without the surrounding
      whitespace (several values stay separated by tabs), or null when it cannot be read (no such parameter, or
      not readable by this user). Null without O(sysctls).
  returned: always
  type: dict
  sample: {net.core.somaxconn: "4096", net.ipv4.ip_local_port_range: "32768\t60999", net.no.such: null}
routes:
  description:
    - For each peer of O(routes), in order, the route the kernel takes to it. Null without O(routes).
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: The peer as given.
      type: str
    resolved:
      description: The IP address it resolved to (null when it does not resolve).
      type: str
    route:
      description: The first line of C(ip route get) (without its C(uid) part).
      type: str
      sample: 10.0.2.15 via 10.0.1.1 dev eth0 src 10.0.1.20
    via:
      description: The gateway (router) the peer is reached through; null on a directly connected network.
      type: str
      sample: 10.0.1.1
    dev:
      description: The interface.
      type: str
      sample: eth0
    kind:
      description: The route type (V(unicast), V(local) for an address of the host itself, ...).
      type: str
    error:
      description:
        - Why the route could not be read (the name does not resolve, no C(ip) command, no route); null when read.
        - The other fields are then null.
      type: str
  sample: [{address: exrp2.example.com, resolved: 10.0.1.22, route: 10.0.1.22 dev eth0 src 10.0.1.21, via: null,
            dev: eth0, kind: unicast, error: null}]
packages:
  description:
    - Which packages of O(packages) are installed. Null without O(packages).
  returned: always
  type: dict
  contains:
    manager:
      description: The package database asked, V(dpkg) or V(rpm); null when the host has neither program.
      type: str
      sample: dpkg
    installed:
      description:
        - For each name of O(packages), whether it is installed. A name the database does not know is not
          installed.
        - With dpkg, a package is installed when its status is installed (C(ii), also C(hi) held, C(ri) to be
          removed); a package only unpacked, half-configured or with only its configuration files left is not.
      type: dict
      sample: {apache2: true, cron: false}
    missing:
      description: The names of O(packages) that are not installed, in their order, each once.
      type: list
      elements: str
      sample: [cron]
    error:
      description:
        - Why the package database could not be read (no C(dpkg-query) or C(rpm) on the host, the command failed);
          null when it was read.
        - Every name then counts as not installed (in RV(packages.installed) and RV(packages.missing)), so that a
          task that installs what is missing lets the package manager answer.
      type: str
      sample: null
units:
  description:
    - The state of the units of O(units). Null without O(units).
  returned: always
  type: dict
  contains:
    units:
      description:
        - For each name of O(units), its C(LoadState) (V(loaded), V(not-found) for a unit that does not exist),
          C(ActiveState) (V(active), V(inactive), V(failed), V(activating)...) and C(UnitFileState) (V(enabled),
          V(disabled), V(static), V(masked)..., empty when there is no unit file) as systemd reports them.
      type: dict
      sample: {apache2: {load: loaded, active: active, enabled: enabled}}
    error:
      description:
        - Why the units could not be read (no C(systemctl) on the host, the command failed); null when they were.
          RV(units.units) is then empty.
      type: str
      sample: null
"""

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils import _connectivity
from ansible_collections.engage_exec.recording.plugins.module_utils import _facts
from ansible_collections.engage_exec.recording.plugins.module_utils import _host_resources
from ansible_collections.engage_exec.recording.plugins.module_utils import _listeners
from ansible_collections.engage_exec.recording.plugins.module_utils import _packages
from ansible_collections.engage_exec.recording.plugins.module_utils import _routes
from ansible_collections.engage_exec.recording.plugins.module_utils import _sysctls
from ansible_collections.engage_exec.recording.plugins.module_utils import _timesync
from ansible_collections.engage_exec.recording.plugins.module_utils import _units
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError, module_result


def probe(params, warn):
    """connectivity_check's result (its warnings given to ``warn``), or what it would fail with, marked failed."""
    try:
        result = _connectivity.probe_table(params)
    except ModuleError as exc:
        return dict(exc.result(), failed=True)
    for warning in result.pop("warnings"):
        warn(warning)
    return result


def check_clock(module):
    """time_sync_check's result with fail_on_error=false, or what it would fail with, marked failed (with the
    message as the one problem, also for a bad parameter)."""
    try:
        return module_result(module, _timesync.check_clock(module.params["time"], module.run_command,
                                                           module.get_bin_path))
    except ModuleError as exc:
        return dict({"problems": [exc.msg], "synchronized": False, "tried": []}, **exc.result(), failed=True)


def bad_arguments(params):
    """The problems of the options that the argument spec cannot check, every one (nothing is read when any)."""
    problems = []
    for option, check in (("listeners", _listeners.check_ports), ("sysctls", _sysctls.check_names),
                          ("packages", _packages.check_names), ("units", _units.check_names)):
        if params[option] is not None:
            try:
                check(params[option], option)
            except ModuleError as exc:
                problems.append(exc.msg)
    return problems


def main():
    module = AnsibleModule(argument_spec=dict(
        resources=dict(type="dict", options=_host_resources.argument_spec()),
        time=dict(type="dict", options=_timesync.argument_spec(), required_if=_timesync.REQUIRED_IF),
        listeners=dict(type="list", elements="int"),
        sysctls=dict(type="list", elements="str"),
        packages=dict(type="list", elements="str"),
        units=dict(type="list", elements="str"),
        routes=dict(type="list", elements="str"),
        facts=dict(type="bool", default=False),
        **_connectivity.argument_spec(checks_required=False)), supports_check_mode=True)
    params = module.params
    problems = bad_arguments(params)
    if problems:
        module.fail_json(msg=" ".join(problems + ["Nothing was read."]))
    later = []  # the connectivity part's warnings, given after the others' so that their order does not vary
    # The checks wait on the network in a thread (they only use sockets) while this one reads the rest.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="host_probe") as pool:
        checks = pool.submit(probe, params, later.append) if params["checks"] is not None else None
        resources = _host_resources.read(params["resources"], module.run_command, module.get_bin_path) \
            if params["resources"] is not None else None
        clock = check_clock(module) if params["time"] is not None else None
        listeners = _listeners.scan(params["listeners"]) if params["listeners"] is not None else None
        sysctls = _sysctls.read(params["sysctls"]) if params["sysctls"] is not None else None
        packages = _packages.query(params["packages"], module.run_command, module.get_bin_path) \
            if params["packages"] is not None else None
        units = _units.read(params["units"], module.run_command, module.get_bin_path) \
            if params["units"] is not None else None
        routes = _routes.read(params["routes"], module.run_command, module.get_bin_path) \
            if params["routes"] is not None else None
        facts = _facts.read(module.get_bin_path) if params["facts"] else {}
        connectivity = checks.result() if checks is not None else None
    for text in later:
        module.warn(text)
    module.exit_json(changed=False, resources=resources, time=clock, connectivity=connectivity, listeners=listeners,
                     sysctls=sysctls, packages=packages, units=units, routes=routes, ansible_facts=facts)


if __name__ == "__main__":
    main()
