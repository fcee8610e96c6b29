# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The state of systemd units from one `systemctl show`: the blocks of its output, its failures, bad names.
(On a systemd host the roles' lab tests read real units: tests/integration/webdav_lb.)"""

from __future__ import annotations

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils import _units
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError

# systemctl 252's output for an enabled running unit, a unit that does not exist and a stopped disabled one.
SHOW = ("LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n\n"
        "LoadState=not-found\nActiveState=inactive\nUnitFileState=\n\n"
        "LoadState=loaded\nActiveState=failed\nUnitFileState=disabled\n")


class Runner:
    """run_command / get_bin_path stand-ins that record the command line."""

    def __init__(self, rc=0, out=SHOW, err="", path="/usr/bin/systemctl"):
        self.rc, self.out, self.err, self.path, self.calls = rc, out, err, path, []

    def run_command(self, argv):
        self.calls.append(argv)
        return self.rc, self.out, self.err

    def get_bin_path(self, name):
        assert name == "systemctl"
        return self.path


def test_each_unit_gets_its_block_in_order():
    runner = Runner()
    result = _units.read(["apache2", "nosuch.service", "haproxy"], runner.run_command, runner.get_bin_path)
    assert result == {"error": None, "units": {
        "apache2": {"load": "loaded", "active": "active", "enabled": "enabled"},
        "nosuch.service": {"load": "not-found", "active": "inactive", "enabled": ""},
        "haproxy": {"load": "loaded", "active": "failed", "enabled": "disabled"}}}
    # one call; the names after "--", so that none is taken as an option
    assert runner.calls == [["/usr/bin/systemctl", "show", "--no-pager",
                             "--property=LoadState,ActiveState,UnitFileState", "--", "apache2", "nosuch.service",
                             "haproxy"]]


def test_no_names_runs_nothing():
    runner = Runner()
    assert _units.read([], runner.run_command, runner.get_bin_path) == {"units": {}, "error": None}
    assert not runner.calls


def test_without_systemctl():
    runner = Runner(path=None)
    result = _units.read(["apache2"], runner.run_command, runner.get_bin_path)
    assert result["units"] == {} and "systemctl not found" in result["error"]


def test_systemctl_fails():
    runner = Runner(rc=1, out="", err="System has not been booted with systemd as init system (PID 1).\n")
    result = _units.read(["apache2"], runner.run_command, runner.get_bin_path)
    assert result == {"units": {}, "error": "systemctl show failed (rc 1): System has not been booted with systemd "
                                            "as init system (PID 1)."}


def test_output_that_does_not_match_the_names_is_an_error():
    runner = Runner(out="LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n")
    result = _units.read(["apache2", "haproxy"], runner.run_command, runner.get_bin_path)
    assert result["units"] == {} and result["error"] == "systemctl show printed 1 blocks for 2 units"


def test_a_property_left_out_is_empty():
    assert _units.parse("LoadState=loaded\nActiveState=active\n", ["x"]) == {
        "x": {"load": "loaded", "active": "active", "enabled": ""}}


@pytest.mark.parametrize("name", ["apache2", "haproxy.service", "getty@tty1.service", "mnt-a\\x2db.mount", "a:b_c"])
def test_unit_names(name):
    _units.check_names([name])  # raises for a bad name


def test_bad_names_are_all_listed():
    with pytest.raises(ModuleError) as caught:
        _units.check_names(["apache2", "-H", "a b", "../x", ""])
    msg = caught.value.msg
    assert msg.startswith("units '-H', 'a b', '../x', '' are not systemd unit names")
