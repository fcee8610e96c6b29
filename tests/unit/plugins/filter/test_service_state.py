# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""unit_serving: the webdav and load_balancer roles' "was serving" answer from a host_probe result."""

from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.filter.service_state import unit_serving


def probe(active="active", enabled="enabled", listeners=("apache2[812]",)):
    return {"units": {"units": {"apache2": {"active": active, "enabled": enabled}}},
            "listeners": {"ports": {"80": list(listeners)}, "running": ["apache2"]}}


def test_active_enabled_and_listening_is_serving():
    assert unit_serving(probe(), "apache2", 80) is True
    # the port as text (a survey string) or as a number is the same port
    assert unit_serving(probe(), "apache2", "80") is True


def test_each_missing_part_is_not_serving():
    assert unit_serving(probe(active="inactive"), "apache2", 80) is False
    assert unit_serving(probe(enabled="disabled"), "apache2", 80) is False
    assert unit_serving(probe(listeners=()), "apache2", 80) is False
    assert unit_serving(probe(), "apache2", 443) is False
    assert unit_serving(probe(), "haproxy", 80) is False


def test_parts_not_asked_are_not_serving():
    assert unit_serving({"units": None, "listeners": {"ports": {"80": ["apache2[1]"]}}}, "apache2", 80) is False
    assert unit_serving({"units": {"units": {"apache2": {"active": "active", "enabled": "enabled"}}}},
                        "apache2", 80) is False
    assert unit_serving({}, "apache2", 80) is False
