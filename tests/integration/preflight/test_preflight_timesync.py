# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""time_sync_check against real chronyd instances (chronyd -x, no clock control) on loopback."""

from __future__ import annotations

MOD = "engage_exec.recording.time_sync_check"


def test_synchronised_chrony_over_unix_socket(run_module, chrony):
    r = run_module(MOD, {"method": "chrony", "chronyc_host": str(chrony["synced"].socket_path)})
    assert not r.get("failed"), r["msg"]
    assert r["synchronized"] is True and r["method"] == "chrony" and r["source"] == "127.0.0.1"
    assert r["stratum"] == 9  # the serving chronyd is "local stratum 8"
    assert abs(r["offset"]) < 0.01 and 0 <= r["last_sync_age"] < 60
    assert r["sources"][0]["selected"] is True and r["changed"] is False


def test_synchronised_chrony_over_udp_cmdport_and_env(run_module, chrony):
    r = run_module(MOD, {"method": "chrony", "chronyc_host": "127.0.0.1",
                         "chronyc_port": chrony["synced"].cmdport})
    assert not r.get("failed") and r["synchronized"] is True
    # AWX-style: connection options from the environment
    r = run_module(MOD, {"method": "chrony"}, env={"TIME_SYNC_CHRONYC_HOST": str(chrony["synced"].socket_path)})
    assert not r.get("failed") and r["source"] == "127.0.0.1"


def test_unsynchronised_chrony_fails_clearly(run_module, chrony):
    r = run_module(MOD, {"method": "chrony", "chronyc_host": str(chrony["unsynced"].socket_path)})
    assert r["failed"] is True and r["synchronized"] is False
    assert "the clock is not synchronised according to chrony" in r["msg"]
    r = run_module(MOD, {"method": "chrony", "fail_on_error": False,
                         "chronyc_host": str(chrony["unsynced"].socket_path)})
    assert not r.get("failed") and r["problems"]


def test_sync_age_rule(run_module, chrony):
    """max_sync_age 0 s: even a fresh synchronisation is 'too old', so the 24 h rule is really evaluated."""
    r = run_module(MOD, {"method": "chrony", "max_sync_age": 0, "chronyc_host": str(chrony["synced"].socket_path)})
    assert r["failed"] is True and "more than max_sync_age" in r["msg"]


def test_sntp_against_chronyd(run_module, chrony):
    server = chrony["server"]
    r = run_module(MOD, {"method": "sntp", "ntp_server": "127.0.0.1", "ntp_port": server.ntp_port})
    assert not r.get("failed"), r["msg"]
    assert r["method"] == "sntp" and r["synchronized"] and abs(r["offset"]) < 0.01
    assert r["server_stratum"] == 8 and r["last_sync_age"] is None


def test_local_plus_ntp_server_cross_check(run_module, chrony, closed_port):
    synced = str(chrony["synced"].socket_path)
    r = run_module(MOD, {"method": "chrony", "chronyc_host": synced, "ntp_server": "127.0.0.1",
                         "ntp_port": chrony["server"].ntp_port})
    assert not r.get("failed") and r["sntp"]["synchronized"] is True
    r = run_module(MOD, {"method": "chrony", "chronyc_host": synced, "ntp_server": "127.0.0.1",
                         "ntp_port": closed_port, "ntp_timeout": 1})
    assert r["failed"] is True and "ntp_server 127.0.0.1" in r["msg"]


def test_chrony_not_reachable_is_a_clear_error(run_module, tmp_path):
    r = run_module(MOD, {"method": "chrony", "chronyc_host": str(tmp_path / "nothing.sock")})
    assert r["failed"] is True and "chrony is not usable on this host" in r["msg"]
