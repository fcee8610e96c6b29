# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cme_hybrid_transaction, backend gax, against the GAX stand-in over a real PostgreSQL Config DB."""

from __future__ import annotations

import socket
import threading

from cme_helpers import make_configdb, wait_all

SECRET = "s3cr3t-Client-Value-91"
SECRET2 = "n3w-Secret-Value-77"


def sections(secret=SECRET, interval=30, **extra):
    data = {"agent_state_sync": {"client_id": "exec-client", "client_secret": secret,
                                 "agent_polling_interval": interval}}
    data.update(extra)
    return data


def test_check_real_check_real(fresh, gax, run_module):
    args = dict(gax.module_args(), sections=sections(), verify_configdb=True, **fresh.module_args(readonly=True))
    proc, r = run_module(args, "--check", "--diff")
    assert r["changed"] is True and not r.get("failed"), proc.stdout
    assert r["dbid"] is None and r["verified"] is None
    assert fresh.transactions("hybrid_integration") == []  # check mode wrote nothing

    proc, r = run_module(args, "--diff")
    assert r["changed"] is True and not r.get("failed"), proc.stdout
    assert r["verified"] is True
    rows = fresh.transactions("hybrid_integration")
    assert rows == [(r["dbid"], 1, 201)]  # Environment, default Transactions folder
    assert fresh.annex("hybrid_integration") == {"agent_state_sync": {
        "client_id": "exec-client", "client_secret": SECRET, "agent_polling_interval": "30"}}
    assert r["object"]["sections"]["agent_state_sync"]["client_secret"] == "********"

    for flags in (("--check",), ()):
        proc, r = run_module(args, *flags)
        assert r["changed"] is False and not r.get("failed"), proc.stdout
    assert len(fresh.transactions("hybrid_integration")) == 1
    assert SECRET not in proc.stdout


def test_diff_shows_change_with_secret_masked(fresh, gax, run_module):
    run_module(dict(gax.module_args(), sections=sections()))
    proc, r = run_module(dict(gax.module_args(), sections=sections(secret=SECRET2, interval=60)), "--diff")
    assert r["changed"] is True
    assert "-agent_polling_interval = 30" in proc.stdout and "+agent_polling_interval = 60" in proc.stdout
    assert "-client_secret = ********" in proc.stdout and "+client_secret = ******** (changed)" in proc.stdout
    assert SECRET not in proc.stdout and SECRET2 not in proc.stdout
    assert sorted(r["changes"]) == ["change agent_state_sync.agent_polling_interval",
                                    "change agent_state_sync.client_secret"]
    assert fresh.annex("hybrid_integration")["agent_state_sync"]["client_secret"] == SECRET2


def test_vvv_output_holds_no_secret(fresh, gax, run_module):
    extra_secret = "Webdav-Pass-5512"
    args = dict(gax.module_args(), sections=sections(recording={"webdav_password": extra_secret, "url": "x"}),
                secret_keys=["webdav_password"])
    proc, r = run_module(args, "-vvv", "--diff")
    assert r["changed"] is True, proc.stdout
    proc2, r2 = run_module(dict(args, sections=sections(secret=SECRET2, recording={"webdav_password": "other-77x"})),
                           "-vvv", "--diff")
    assert r2["changed"] is True
    for text in (proc.stdout, proc2.stdout):
        for secret in (SECRET, SECRET2, extra_secret, "other-77x", gax.password):
            assert secret not in text
    assert "webdav_password = ******** (changed)" in proc2.stdout


def test_keys_kept_unless_purge_and_only_named_tenant(fresh, gax, run_module):
    run_module(dict(gax.module_args(), sections=sections(extra={"keep": "me"})))
    run_module(dict(gax.module_args(), tenant="Tenant_B", sections=sections(secret="tenant-b-secret")))
    before_b = fresh.annex("hybrid_integration", 101)
    proc, r = run_module(dict(gax.module_args(), sections={"agent_state_sync": {"agent_polling_interval": 45}}))
    assert r["changed"] is True
    annex = fresh.annex("hybrid_integration")
    assert annex["extra"] == {"keep": "me"} and annex["agent_state_sync"]["client_id"] == "exec-client"
    assert annex["agent_state_sync"]["agent_polling_interval"] == "45"
    proc, r = run_module(dict(gax.module_args(), sections={"agent_state_sync": {"client_id": "only"}}, purge=True))
    assert r["changed"] is True
    # purge empties the given sections of what is not listed; the section not given ("extra") stays
    assert fresh.annex("hybrid_integration") == {"agent_state_sync": {"client_id": "only"}, "extra": {"keep": "me"}}
    proc, r = run_module(dict(gax.module_args(), sections={"extra": {}}, purge=True))  # given empty: removed
    assert r["changed"] is True and r["changes"] == ["remove extra.keep"], proc.stdout
    assert fresh.annex("hybrid_integration") == {"agent_state_sync": {"client_id": "only"}}
    assert fresh.annex("hybrid_integration", 101) == before_b  # the other tenant's object is untouched
    assert len(fresh.transactions("hybrid_integration")) == 2


def test_folder_and_absent(fresh, gax, run_module):
    proc, r = run_module(dict(gax.module_args(), folder="Transactions/EXEC", sections=sections()))
    assert r["changed"] is True and fresh.transactions("hybrid_integration")[0][2] == 202
    args = dict(gax.module_args(), state="absent")
    proc, r = run_module(args, "--check")
    assert r["changed"] is True and len(fresh.transactions("hybrid_integration")) == 1
    proc, r = run_module(args)
    assert r["changed"] is True and fresh.transactions("hybrid_integration") == []
    proc, r = run_module(args)
    assert r["changed"] is False


def test_two_concurrent_runs_create_one_object(fresh, gax, run_module):
    args = dict(gax.module_args(), sections=sections())
    results = wait_all([run_module.start(args), run_module.start(args)])
    for rc, text, r in results:
        assert rc == 0 and not r.get("failed"), text
    assert len(fresh.transactions("hybrid_integration")) == 1
    assert sorted(r["changed"] for _rc, _text, r in results) in ([False, True], [True, True])


def test_gax_down_mid_run_leaves_object_as_it_was(fresh, gax, run_module):
    run_module(dict(gax.module_args(), sections=sections()))
    before = fresh.snapshot()
    for mode in ("503", "close"):
        gax.fault(mode, methods=["PUT", "POST", "DELETE"], path="/gax/api/cfg/")  # login and reads work, writes fail
        proc, r = run_module(dict(gax.module_args(), sections=sections(interval=99), retries=1))
        assert r.get("failed") and r["changed"] is False, proc.stdout
        assert "did not answer PUT" in r["msg"] and "hybrid_integration" in r["msg"]
        assert fresh.snapshot() == before
    gax.fault("none")
    proc, r = run_module(dict(gax.module_args(), sections=sections(interval=99)))
    assert r["changed"] is True and fresh.annex("hybrid_integration")["agent_state_sync"]["agent_polling_interval"] == "99"


def test_slow_gax_times_out(fresh, gax, run_module):
    gax.fault("slow", delay=4)
    proc, r = run_module(dict(gax.module_args(), sections=sections(), timeout=1, retries=0))
    assert r.get("failed") and "ReadTimeout" in r["msg"], proc.stdout
    assert fresh.transactions("hybrid_integration") == []


def test_bad_inputs_fail_clearly_and_write_nothing(fresh, gax, run_module):
    before = fresh.snapshot()
    cases = [
        (dict(tenant="NoSuchTenant", sections=sections()), "tenant 'NoSuchTenant' does not exist"),
        (dict(gax_password="wrong-password", sections=sections()), "login as 'gaxadmin' refused (401)"),
        (dict(sections={"agent_state_sync": ["client_id", "x"]}), "section 'agent_state_sync' is not a mapping"),
        (dict(sections={"agent_state_sync": {"client_id": "a\nb"}}), "contains a newline"),
        (dict(name="hybrid_legacy", sections=sections()), "exists with another type (CFGTRTRoutingStrategy"),
        (dict(folder="Nowhere", sections=sections()), "folder 'Nowhere' not found"),
    ]
    for extra, expected in cases:
        proc, r = run_module(dict(gax.module_args(), **extra))
        assert r.get("failed") and r["changed"] is False, proc.stdout
        assert expected in r["msg"], r["msg"]
        assert "CfgTransaction" in r["msg"] and "Traceback" not in proc.stdout
        assert SECRET not in proc.stdout and "wrong-password" not in proc.stdout
    assert fresh.snapshot() == before


def test_gax_unreachable(fresh, gax, run_module):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connection refused
    port = closed.getsockname()[1]
    try:
        proc, r = run_module(dict(gax.module_args(), gax_url="http://127.0.0.1:%d" % port, retries=1,
                                  sections=sections()))
    finally:
        closed.close()
    assert r.get("failed") and "did not answer POST /gax/api/session/login after 2 attempts" in r["msg"], proc.stdout
    assert "check gax_url" in r["msg"]

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts, never answers
    stop = threading.Event()
    try:
        proc, r = run_module(dict(gax.module_args(), gax_url="http://127.0.0.1:%d" % silent.getsockname()[1],
                                  retries=0, timeout=2, sections=sections()))
    finally:
        stop.set()
        silent.close()
    assert r.get("failed") and "ReadTimeout" in r["msg"], proc.stdout
    assert fresh.transactions("hybrid_integration") == []


def test_environment_fallback(fresh, gax, run_module):
    env = {"GAX_URL": gax.url, "GAX_USERNAME": gax.user, "GAX_PASSWORD": gax.password}
    proc, r = run_module({"sections": sections()}, environment=env)
    assert r["changed"] is True and not r.get("failed"), proc.stdout
    assert len(fresh.transactions("hybrid_integration")) == 1


def test_verify_configdb_fails_when_the_config_db_does_not_show_the_write(fresh, gax, run_module):
    other = make_configdb(fresh.pg, "other")  # a Config DB that this GAX does not write to
    args = dict(gax.module_args(), sections=sections(), verify_configdb=True, **other.module_args(readonly=True))
    proc, r = run_module(args)
    assert r.get("failed") and r["changed"] is True, proc.stdout  # GAX did write: changed stays the truth
    assert "verify_configdb: the Config DB does not show what was written: the object is missing" in r["msg"]
    assert len(fresh.transactions("hybrid_integration")) == 1 and other.transactions("hybrid_integration") == []
    assert SECRET not in proc.stdout


# ------------------------------------------------------------------------------------ alias (object model)
def test_alias_is_the_name_unless_given_and_kept_on_an_existing_object(fresh, gax, run_module):
    args = dict(gax.module_args(), sections=sections())
    proc, r = run_module(args, "--check", "--diff")
    assert r["changed"] is True and "+alias: hybrid_integration" in proc.stdout, proc.stdout
    proc, r = run_module(args)
    assert r["changed"] is True and r["object"]["alias"] == "hybrid_integration" and r["alias_missing"] is False
    assert fresh.alias("hybrid_integration") == "hybrid_integration"
    proc, r = run_module(dict(gax.module_args(), tenant="Tenant_B", alias="HI Tenant B", sections=sections()))
    assert r["changed"] is True and fresh.alias("hybrid_integration", 101) == "HI Tenant B"
    fresh.query("UPDATE cfg_transaction SET alias = 'set by the site' WHERE name = 'hybrid_integration' "
                "AND tenant_dbid = 1")
    proc, r = run_module(dict(args, sections=sections(interval=45)))  # alias not given: kept
    assert r["changed"] is True and r["changes"] == ["change agent_state_sync.agent_polling_interval"]
    assert fresh.alias("hybrid_integration") == "set by the site"
    given = dict(args, sections=sections(interval=45), alias="EXEC hybrid integration")
    proc, r = run_module(given, "--check", "--diff")
    assert r["changed"] is True and r["changes"] == ["change alias"], proc.stdout
    assert "-alias: set by the site" in proc.stdout and "+alias: EXEC hybrid integration" in proc.stdout
    assert fresh.alias("hybrid_integration") == "set by the site"
    for flags, changed in (((), True), (("--check",), False), ((), False)):
        proc, r = run_module(given, *flags)
        assert r["changed"] is changed and not r.get("failed"), proc.stdout
    assert fresh.alias("hybrid_integration") == "EXEC hybrid integration"


def test_empty_alias_is_refused_before_any_write(fresh, gax, run_module):
    before = fresh.snapshot()
    proc, r = run_module(dict(gax.module_args(), alias="", sections=sections()))
    assert r.get("failed") and r["changed"] is False, proc.stdout
    assert "refuses a CfgTransaction without an alias" in r["msg"] and "Give a non-empty alias" in r["msg"]
    assert fresh.snapshot() == before


def test_existing_object_without_alias_is_reported_and_set_with_the_next_change(fresh, gax, run_module):
    fresh.legacy_without_alias("hybrid_integration", sections=sections())
    args = dict(gax.module_args(), sections=sections())
    proc, r = run_module(args)
    assert r["changed"] is False and r["alias_missing"] is True and not r.get("failed"), proc.stdout
    assert "has no alias" in proc.stdout and "give alias to set it now" in proc.stdout  # the warning
    assert fresh.alias("hybrid_integration") == ""
    changed = dict(args, sections=sections(interval=60))
    proc, r = run_module(changed, "--check", "--diff")
    assert r["changed"] is True and r["changes"] == ["set alias", "change agent_state_sync.agent_polling_interval"]
    assert fresh.alias("hybrid_integration") == ""
    proc, r = run_module(changed, "--diff")  # the stand-in, like Configuration Server, refuses a PUT without alias
    assert r["changed"] is True and r["alias_missing"] is True and not r.get("failed"), proc.stdout
    assert "has no alias" not in proc.stdout
    assert fresh.alias("hybrid_integration") == "hybrid_integration"
    proc, r = run_module(changed)
    assert r["changed"] is False and r["alias_missing"] is False


# ----------------------------------------------------------------------------------- folders (object model)
def test_default_folder_by_class_and_content_type(fresh, gax, run_module):
    fresh.add_folder(210, "Transactions", folder_class="CFGFCUser")  # a user root folder of the same name
    fresh.query("UPDATE cfg_folder SET name = 'Transaktionen' WHERE dbid = 201")  # the name does not decide
    try:
        proc, r = run_module(dict(gax.module_args(), sections=sections()))
        assert r["changed"] is True and not r.get("failed"), proc.stdout
        assert fresh.transactions("hybrid_integration") == [(r["dbid"], 1, 201)]
    finally:
        fresh.query("UPDATE cfg_folder SET name = 'Transactions' WHERE dbid = 201")


def test_user_sub_folder_by_path(fresh, gax, run_module):
    proc, r = run_module(dict(gax.module_args(), folder="Transactions/EXEC/Recording", sections=sections()))
    assert r["changed"] is True and fresh.transactions("hybrid_integration")[0][2] == 206, proc.stdout
    proc, r = run_module(dict(gax.module_args(), folder="Persons", sections=sections()))  # holds CFGPerson
    assert r.get("failed") and "folder 'Persons' not found" in r["msg"], proc.stdout


def test_gax_without_folder_class_or_content_type_takes_the_root_transactions_folder(fresh, gax, run_module):
    gax.folder_shape("bare")
    proc, r = run_module(dict(gax.module_args(), sections=sections(), verify_configdb=True,
                              **fresh.module_args(readonly=True)))
    assert r["changed"] is True and r["verified"] is True and not r.get("failed"), proc.stdout
    assert fresh.transactions("hybrid_integration") == [(r["dbid"], 1, 201)]
    proc, r = run_module(dict(gax.module_args(), tenant="Tenant_B", sections=sections()))
    assert r["changed"] is True and fresh.transactions("hybrid_integration")[1][1:] == (101, 203), proc.stdout


def test_ambiguous_folders_fail_listing_the_candidates(fresh, gax, run_module):
    fresh.add_folder(210, "Transactions", folder_class="CFGFCUser")
    gax.folder_shape("bare")  # without class and content type, two root folders named Transactions
    before = fresh.snapshot()
    for flags in (("--check",), ()):
        proc, r = run_module(dict(gax.module_args(), sections=sections()), *flags)
        assert r.get("failed") and r["changed"] is False, proc.stdout
        assert "cannot tell which folder is the tenant's default Transactions folder" in r["msg"]
        assert "2 root folders are named Transactions" in r["msg"]
        assert "Transactions (dbid 201, " in r["msg"] and "Transactions (dbid 210, " in r["msg"]
        assert "Transactions/EXEC/Recording (dbid 206, " in r["msg"] and "Set folder" in r["msg"]
    assert fresh.snapshot() == before
    proc, r = run_module(dict(gax.module_args(), folder="210", sections=sections()))
    assert r["changed"] is True and fresh.transactions("hybrid_integration")[0][2] == 210, proc.stdout
    gax.folder_shape("model")  # with the object model's fields the same folders are not ambiguous
    proc, r = run_module(dict(gax.module_args(), tenant="Tenant_B", sections=sections()))
    assert r["changed"] is True and not r.get("failed"), proc.stdout


# ---------------------------------------------------------------------------- purge and other products' sections
def test_purge_never_touches_a_section_this_module_is_not_given(fresh, gax, run_module):
    general = {"base_auth_url": "https://login.example.test", "base_service_url": "https://api.example.test"}
    run_module(dict(gax.module_args(), sections=sections()))
    fresh.add_section("hybrid_integration", "general", general)  # another Genesys service's section
    assert fresh.annex("hybrid_integration")["general"] == general
    args = dict(gax.module_args(), sections={"agent_state_sync": {"client_id": "exec-client",
                                                                  "client_secret": SECRET}}, purge=True)
    proc, r = run_module(args, "--check", "--diff")
    assert r["changed"] is True and r["changes"] == ["remove agent_state_sync.agent_polling_interval"], proc.stdout
    assert "-agent_polling_interval = 30" in proc.stdout and "base_auth_url" not in "".join(
        line for line in proc.stdout.splitlines() if line.startswith(("-", "+")))
    assert fresh.annex("hybrid_integration")["agent_state_sync"]["agent_polling_interval"] == "30"
    proc, r = run_module(args, "--diff")
    assert r["changed"] is True and not r.get("failed"), proc.stdout
    assert fresh.annex("hybrid_integration") == {
        "agent_state_sync": {"client_id": "exec-client", "client_secret": SECRET}, "general": general}
    for flags in (("--check",), ()):
        proc, r = run_module(args, *flags)
        assert r["changed"] is False, proc.stdout
    assert fresh.annex("hybrid_integration")["general"] == general
