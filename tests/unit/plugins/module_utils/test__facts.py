# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The four host facts read without setup: the same values as Ansible's own fact collectors on this host, and the
rules of os-release and process 1 on made-up root trees."""

from __future__ import annotations

import os

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.facts import ansible_collector, default_collectors
from ansible.module_utils.testing import patch_module_args

from ansible_collections.engage_exec.recording.plugins.module_utils import _facts


def _setup_min_facts():
    """What the setup module with gather_subset=min reports on this host, from Ansible's own collectors."""
    with patch_module_args({}):
        module = AnsibleModule(argument_spec={})
    collector = ansible_collector.get_ansible_collector(all_collector_classes=default_collectors.collectors,
                                                        gather_subset=["min"], gather_timeout=10, filter_spec=[])
    facts = collector.collect(module=module)
    return module, facts.get("ansible_facts", facts)


def test_same_values_as_setup_on_this_host():
    module, setup = _setup_min_facts()
    ours = _facts.read(module.get_bin_path)
    assert set(ours) <= {"kernel", "architecture", "os_family", "service_mgr"}
    for name in ("kernel", "architecture", "service_mgr"):
        assert ours[name] == setup[name], name
    # This machine is Debian: the family is certain, so it is returned, and it is setup's.
    assert ours["os_family"] == setup["os_family"] == "Debian"


def _tree(tmp_path, files=None, links=None, dirs=()):
    """A made-up root: files {relative path: text}, links {relative path: target}, folders."""
    for rel, text in (files or {}).items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for rel, target in (links or {}).items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    for rel in dirs:
        (tmp_path / rel).mkdir(parents=True, exist_ok=True)
    return str(tmp_path)


@pytest.mark.parametrize("text, family", [
    ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n', "Debian"),
    ('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', "Debian"),
    ('NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n', "RedHat"),
    ("NAME='Red Hat Enterprise Linux'\nID='rhel'\n", "RedHat"),
    ('NAME="Oracle Linux Server"\nID="ol"\n', "RedHat"),
    ('NAME="SLES"\nID="sles"\n', "Suse"),
    ('# a comment\n\nID=alpine\n', "Alpine"),
    # A derivative setup may name after itself: not certain, left out (the roles then run setup).
    ('NAME="Some Derivative"\nID=somederiv\nID_LIKE="rhel fedora"\n', None),
    ('NAME="no id"\n', None),
])
def test_os_family_from_os_release(tmp_path, text, family):
    root = _tree(tmp_path, files={"etc/os-release": text})
    assert _facts.os_family(_facts.os_release(root)) == family


def test_os_release_falls_back_to_usr_lib_and_to_nothing(tmp_path):
    root = _tree(tmp_path, files={"usr/lib/os-release": "ID=fedora\n"})
    assert _facts.os_release(root)["ID"] == "fedora"
    assert _facts.os_family(_facts.os_release(root)) == "RedHat"
    assert _facts.os_release(str(tmp_path / "empty")) == {}


def _bins(*names):
    return lambda name: "/usr/bin/%s" % name if name in names else None


@pytest.mark.parametrize("comm, bins, dirs, links, expected", [
    ("systemd\n", (), (), {}, "systemd"),
    ("docker-init\n", (), (), {}, "docker-init"),          # a container's init: its own name
    ("sleep\n", (), (), {}, "sleep"),
    ("runit-init\n", (), (), {}, "runit"),                  # names setup maps
    ("procd\n", (), (), {}, "openwrt_init"),
    # init or a shell cannot be trusted: the folders tell.
    ("init\n", ("systemctl",), ("run/systemd/system",), {}, "systemd"),
    ("bash\n", ("systemctl",), ("etc/init.d",), {}, "sysvinit"),   # systemctl alone is not systemd running
    ("sh\n", (), ("sbin/openrc",), {}, "openrc"),
    ("init\n", ("systemctl",), (), {"sbin/init": "../lib/systemd/systemd"}, "systemd"),
    ("init\n", ("initctl",), ("etc/init",), {}, "upstart"),
    ("init\n", (), ("etc/dinit.d",), {}, "dinit"),
    ("init\n", (), (), {}, "service"),
])
def test_service_mgr(tmp_path, comm, bins, dirs, links, expected):
    files = {"proc/1/comm": comm}
    if "sbin/openrc" in dirs:
        files["sbin/openrc"] = ""
        dirs = tuple(d for d in dirs if d != "sbin/openrc")
    if links:
        files["lib/systemd/systemd"] = ""
    root = _tree(tmp_path, files=files, links=links, dirs=dirs)
    assert _facts.service_mgr(_bins(*bins), root) == expected


def test_service_mgr_from_the_init_link_when_proc_is_unreadable(tmp_path):
    root = _tree(tmp_path, files={"lib/systemd/systemd": ""}, links={"sbin/init": "../lib/systemd/systemd"})
    assert _facts.service_mgr(_bins(), root) == "systemd"
