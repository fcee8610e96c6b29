# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils._gc_region import (
    KNOWN_REGIONS, gc_hosts, gc_hosts_of)


@pytest.mark.parametrize("region", ["mypurecloud.com", "mypurecloud.ie", "usw2.pure.cloud", "use2.us-gov-pure.cloud"])
def test_known_region_gives_api_and_login_hosts(region):
    got = gc_hosts(region)
    assert got["api_host"] == "api." + region and got["login_host"] == "login." + region
    assert got["known_region"] and got["problems"] == [] and got["warnings"] == []


def test_region_is_normalised():
    got = gc_hosts("  MyPureCloud.DE. ")
    assert (got["region"], got["api_host"], got["login_host"]) == (
        "mypurecloud.de", "api.mypurecloud.de", "login.mypurecloud.de")


def test_overrides_win_over_the_region():
    got = gc_hosts("mypurecloud.ie", api_host="gc-proxy.example.com:8443", login_host="login-proxy.example.com")
    assert got["api_host"] == "gc-proxy.example.com:8443" and got["login_host"] == "login-proxy.example.com"
    assert got["problems"] == [] and got["warnings"] == []
    assert gc_hosts("mypurecloud.ie", login_host="sso.example.com")["api_host"] == "api.mypurecloud.ie"


def test_unknown_region_accepted_with_a_warning_naming_the_known_ones():
    got = gc_hosts("zzz9.pure.cloud")
    assert got["api_host"] == "api.zzz9.pure.cloud" and got["login_host"] == "login.zzz9.pure.cloud"
    assert got["problems"] == [] and not got["known_region"]
    assert len(got["warnings"]) == 1
    warning = got["warnings"][0]
    assert warning.startswith("exec_gc_region zzz9.pure.cloud is not") and all(r in warning for r in KNOWN_REGIONS)


def test_region_read_from_an_api_host_of_the_form_api_region():
    got = gc_hosts(api_host="api.mypurecloud.com.au")
    assert got["region"] == "mypurecloud.com.au" and got["login_host"] == "login.mypurecloud.com.au"
    assert got["problems"] == [] and got["warnings"] == []  # an inferred region is not warned about


def test_api_host_that_says_no_region_needs_the_login_host():
    got = gc_hosts(api_host="lab-gc")
    assert got["login_host"] == ""
    assert len(got["problems"]) == 1 and "exec_gc_login_host" in got["problems"][0] \
        and "exec_gc_region" in got["problems"][0]
    assert gc_hosts(api_host="lab-gc", login_host="lab-gc-login")["problems"] == []


def test_nothing_set_is_one_problem_naming_the_region():
    got = gc_hosts()
    assert got["api_host"] == "" and got["login_host"] == ""
    assert len(got["problems"]) == 1 and got["problems"][0].startswith("exec_gc_region is not set")


@pytest.mark.parametrize("region", ["api.mypurecloud.com", "login.mypurecloud.ie", "https://mypurecloud.com",
                                    "mypurecloud", "mypure cloud.com"])
def test_a_host_or_url_given_as_region_is_refused(region):
    got = gc_hosts(region)
    assert any(p.startswith("exec_gc_region is %r" % region.lower()) and "mypurecloud.com" in p
               for p in got["problems"]), got["problems"]


@pytest.mark.parametrize("name,value", [("api_host", "https://api.mypurecloud.com"),
                                        ("login_host", "login.mypurecloud.com/oauth/token"),
                                        ("api_host", "api.example.com:99999")])
def test_a_url_given_as_host_is_refused(name, value):
    got = gc_hosts("mypurecloud.com", **{name: value})
    assert any(p.startswith("exec_gc_%s is %r" % (name, value)) and "without https://" in p
               for p in got["problems"]), got["problems"]


def test_gc_hosts_of_reads_a_hosts_variables():
    got = gc_hosts_of({"exec_gc_region": "euw2.pure.cloud", "unrelated": 1})
    assert (got["api_host"], got["login_host"]) == ("api.euw2.pure.cloud", "login.euw2.pure.cloud")
    assert gc_hosts_of(None)["problems"]
