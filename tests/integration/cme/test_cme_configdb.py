# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cme_hybrid_transaction, backend configdb, against a real PostgreSQL Config DB over TLS (verify-full)."""

from __future__ import annotations

import time

import psycopg2
import pytest

from cme_helpers import wait_all

SECRET = "db-Client-Secret-4242"
LOCK_CLASS = 0x4558


@pytest.fixture
def db(configdb_tls, pki):
    configdb_tls.reset()
    configdb_tls.ca_path = str(pki.ca_path)
    return configdb_tls


def args_for(db, **extra):
    args = dict(db.module_args(sslmode="verify-full"), backend="configdb", configdb_ca_path=db.ca_path,
                sections={"agent_state_sync": {"client_id": "db-client", "client_secret": SECRET,
                                               "agent_polling_interval": 30}})
    args.update(extra)
    return args


def test_check_real_check_real_over_tls(db, run_module):
    args = args_for(db, verify_configdb=True)
    proc, r = run_module(args, "--check", "--diff")
    assert r["changed"] is True and not r.get("failed"), proc.stdout
    assert db.transactions("hybrid_integration") == []
    assert "Configuration Server caches configuration" in proc.stdout  # the warning, also in check mode

    proc, r = run_module(args, "--diff")
    assert r["changed"] is True and r["verified"] is True, proc.stdout
    assert "Configuration Server caches configuration" in proc.stdout
    assert db.annex("hybrid_integration")["agent_state_sync"] == {
        "client_id": "db-client", "client_secret": SECRET, "agent_polling_interval": "30"}
    assert SECRET not in proc.stdout and db.pg.password not in proc.stdout

    for flags in (("--check",), ()):
        proc, r = run_module(args, *flags)
        assert r["changed"] is False and not r.get("failed"), proc.stdout
        assert "Configuration Server caches configuration" not in proc.stdout
    assert len(db.transactions("hybrid_integration")) == 1


def test_changed_value_only_touches_changed_rows(db, run_module):
    run_module(args_for(db, sections={"agent_state_sync": {"a": "1", "b": "2"}, "other": {"c": "3"}}))
    rows_before = {r[1]: r[0] for r in db.query("SELECT dbid, prop_name FROM cfg_flex_prop")}
    proc, r = run_module(args_for(db, sections={"agent_state_sync": {"b": "20"}, "other": {}}, purge=True), "--diff")
    assert r["changed"] is True, proc.stdout
    assert "-b = 2" in proc.stdout and "+b = 20" in proc.stdout and "-c = 3" in proc.stdout
    rows = db.query("SELECT dbid, prop_type, prop_name, prop_value FROM cfg_flex_prop ORDER BY dbid")
    assert [(t, n, v) for _dbid, t, n, v in rows] == [(1, "agent_state_sync", ""), (2, "b", "20")]
    assert rows[1][0] == rows_before["b"]  # updated in place, not deleted and re-inserted


def test_two_concurrent_runs_create_one_object(db, run_module):
    holder = psycopg2.connect(db.dsn(sslmode="require"))
    holder.autocommit = True
    with holder.cursor() as cur:  # hold the writers' lock so both runs are in flight at the same time
        cur.execute("SELECT pg_advisory_lock(%s, hashtext('1/hybrid_integration'))", (LOCK_CLASS,))
    procs = [run_module.start(args_for(db)), run_module.start(args_for(db))]
    waiting = 0
    for _attempt in range(600):
        waiting = db.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cme_hybrid_transaction' "
                           "AND wait_event_type = 'Lock'")[0][0]
        if waiting == 2:
            break
        time.sleep(0.1)
    with holder.cursor() as cur:
        cur.execute("SELECT pg_advisory_unlock_all()")
    holder.close()
    results = wait_all(procs)
    assert waiting == 2, "both runs should have waited for the lock"
    for rc, text, r in results:
        assert rc == 0 and not r.get("failed"), text
    assert len(db.transactions("hybrid_integration")) == 1
    assert sorted(r["changed"] for _rc, _text, r in results) == [False, True]


def test_error_mid_write_rolls_everything_back(db, run_module):
    db.query("CREATE OR REPLACE FUNCTION cme_test_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
             "IF NEW.prop_name = 'boom' THEN RAISE EXCEPTION 'boom refused by test trigger'; END IF; RETURN NEW; END $$;"
             "CREATE TRIGGER cme_test_boom BEFORE INSERT ON cfg_flex_prop FOR EACH ROW EXECUTE FUNCTION cme_test_boom()")
    try:
        before = db.snapshot()
        proc, r = run_module(args_for(db, sections={"agent_state_sync": {"client_id": "x", "boom": "1"}}))
        assert r.get("failed") and "rolled back" in r["msg"] and "boom refused" in r["msg"], proc.stdout
        assert db.snapshot() == before  # the transaction row inserted before the failing key is gone too
    finally:
        db.query("DROP TRIGGER cme_test_boom ON cfg_flex_prop; DROP FUNCTION cme_test_boom()")


def test_bad_credentials_and_bad_ca(db, run_module, tmp_path):
    proc, r = run_module(args_for(db, configdb_password="not-the-password"))
    assert r.get("failed") and "cannot open the Config DB" in r["msg"] and "configdb_user" in r["msg"], proc.stdout
    assert "not-the-password" not in proc.stdout
    proc, r = run_module(args_for(db, configdb_ca_path=str(tmp_path / "missing.pem")))  # verify-full needs the CA
    assert r.get("failed") and "cannot open the Config DB" in r["msg"], proc.stdout
    assert db.transactions("hybrid_integration") == []


def test_environment_fallback_pg_variables(db, run_module):
    env = {"PGHOST": db.pg.host, "PGPORT": str(db.pg.port), "PGDATABASE": db.dbname, "PGUSER": db.pg.user,
           "PGPASSWORD": db.pg.password, "PGSSLMODE": "verify-full", "PGSSLROOTCERT": db.ca_path}
    proc, r = run_module({"backend": "configdb", "sections": {"agent_state_sync": {"client_id": "env"}}},
                         environment=env)
    assert r["changed"] is True and not r.get("failed"), proc.stdout
    assert db.annex("hybrid_integration") == {"agent_state_sync": {"client_id": "env"}}


def test_a_held_lock_times_out_instead_of_hanging(db, run_module):
    holder = psycopg2.connect(db.dsn(sslmode="require"))
    holder.autocommit = True
    try:
        with holder.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s, hashtext('1/hybrid_integration'))", (LOCK_CLASS,))
        start = time.monotonic()
        proc, r = run_module(args_for(db, timeout=2))
        assert r.get("failed") and "lock timeout" in r["msg"] and "rolled back" in r["msg"], proc.stdout
        assert time.monotonic() - start < 60
    finally:
        holder.close()
    assert db.transactions("hybrid_integration") == []


def test_alias_written_and_purge_keeps_other_products_sections(db, run_module):
    proc, r = run_module(args_for(db, verify_configdb=True))
    assert r["changed"] is True and r["verified"] is True, proc.stdout
    assert db.alias("hybrid_integration") == "hybrid_integration"
    general = {"base_auth_url": "https://login.example.test", "base_service_url": "https://api.example.test"}
    db.add_section("hybrid_integration", "general", general)
    args = args_for(db, purge=True, sections={"agent_state_sync": {"client_id": "db-client", "client_secret": SECRET}})
    before = db.snapshot()
    proc, r = run_module(args, "--check")
    assert r["changed"] is True and r["changes"] == ["remove agent_state_sync.agent_polling_interval"], proc.stdout
    assert db.snapshot() == before
    proc, r = run_module(args)
    assert r["changed"] is True, proc.stdout
    assert db.annex("hybrid_integration") == {"agent_state_sync": {"client_id": "db-client", "client_secret": SECRET},
                                              "general": general}
    for flags in (("--check",), ()):
        assert run_module(args, *flags)[1]["changed"] is False


def test_existing_object_without_alias_gets_one_with_the_next_change(db, run_module):
    db.legacy_without_alias("hybrid_integration", sections={"agent_state_sync": {"client_id": "old"}})
    proc, r = run_module(args_for(db, sections={"agent_state_sync": {"client_id": "old"}}))
    assert r["changed"] is False and r["alias_missing"] is True and "has no alias" in proc.stdout, proc.stdout
    proc, r = run_module(args_for(db, sections={"agent_state_sync": {"client_id": "new"}}, verify_configdb=True))
    assert r["changed"] is True and r["verified"] is True and r["changes"][0] == "set alias", proc.stdout
    assert db.alias("hybrid_integration") == "hybrid_integration"
    proc, r = run_module(args_for(db, alias="", sections={"agent_state_sync": {"client_id": "new"}}))
    assert r.get("failed") and "without an alias" in r["msg"] and db.alias("hybrid_integration") != ""
