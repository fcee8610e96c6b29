# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The EXEC stand-ins against real PostgreSQL, Redis and Apache mod_dav: EXCS copies the hybrid_integration Annex
into Redis, EXAS/EXCP keep their Engage TCP connections, and a recording travels MCP -> WebDAV / EXCP -> EXRP -> GC
with the right SHA-256, also when an EXRP node dies mid-flight."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time

import pytest
import requests

import lab_standins_helpers as helpers
import servers

CONFIGDB_SQL = sorted((servers.ROOT / "lab" / "configdb").glob("*.sql"))
MINIMAL_SCHEMA = """
CREATE TABLE cfg_tenant (dbid integer PRIMARY KEY, name varchar(255) NOT NULL);
CREATE TABLE cfg_transaction (dbid integer PRIMARY KEY, name varchar(255) NOT NULL, tenant_dbid integer NOT NULL);
CREATE TABLE cfg_flex_prop (dbid serial PRIMARY KEY, object_dbid integer NOT NULL, object_type varchar(64) NOT NULL,
    parent_dbid integer NOT NULL DEFAULT 0, prop_type smallint NOT NULL, prop_name varchar(255) NOT NULL,
    prop_value text NOT NULL DEFAULT '');
INSERT INTO cfg_tenant VALUES (1, 'Environment'), (101, 'Tenant_B');
"""


def health(proc):
    answer = requests.get(proc.url + "/health", timeout=5)
    return answer.status_code, answer.json()


def annex(pg, db, tx_dbid, section, options):
    """A section row and its key rows, as the lab schema stores an Annex."""
    sid = pg.psql("INSERT INTO cfg_flex_prop (object_dbid, object_type, parent_dbid, prop_type, prop_name) "
                  "VALUES (%d, 'CfgTransaction', 0, 1, '%s') RETURNING dbid" % (tx_dbid, section), db).split()[0]
    for key, value in options.items():
        pg.psql("INSERT INTO cfg_flex_prop (object_dbid, object_type, parent_dbid, prop_type, prop_name, prop_value)"
                " VALUES (%d, 'CfgTransaction', %s, 2, '%s', '%s')" % (tx_dbid, sid, key, value), db)


@pytest.fixture
def configdb(postgres_plain):
    """A fresh Config DB (the lab's schema files when present) with hybrid_integration in two tenants."""
    db = "excs_" + secrets.token_hex(4)
    postgres_plain.psql("CREATE DATABASE %s" % db)
    if CONFIGDB_SQL:
        for sql in CONFIGDB_SQL:
            subprocess.run(["psql", "-h", postgres_plain.host, "-p", str(postgres_plain.port), "-U",
                            postgres_plain.user, "-d", db, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(sql)],
                           env={"PGPASSWORD": postgres_plain.password, "PATH": "/usr/bin:/bin"}, check=True,
                           capture_output=True)
        postgres_plain.psql("INSERT INTO cfg_transaction (dbid, name, alias, tenant_dbid, folder_dbid) VALUES "
                            "(9001, 'hybrid_integration', 'hybrid_integration', 1, 201), "
                            "(9002, 'hybrid_integration', 'hybrid_integration', 101, 203)", db)
    else:
        postgres_plain.psql(MINIMAL_SCHEMA, db)
        postgres_plain.psql("INSERT INTO cfg_transaction VALUES (9001, 'hybrid_integration', 1), "
                            "(9002, 'hybrid_integration', 101)", db)
    annex(postgres_plain, db, 9001, "agent_state_sync",
          {"client_id": "cid-env", "client_secret": "sec-env", "agent_polling_interval": "30"})
    annex(postgres_plain, db, 9001, "recording", {"enabled": "true"})
    annex(postgres_plain, db, 9002, "agent_state_sync", {"client_id": "cid-tenant-b"})
    yield db
    postgres_plain.psql("DROP DATABASE %s WITH (FORCE)" % db)


def excs_env(pg, db, **extra):
    values = {"CONFIGDB_HOST": pg.host, "CONFIGDB_PORT": pg.port, "CONFIGDB_NAME": db, "CONFIGDB_USER": pg.user,
              "CONFIGDB_PASSWORD": pg.password, "CONFIGDB_SSLMODE": "disable", "EXCS_SYNC_INTERVAL": "60"}
    values.update(extra)
    return values


def test_excs_copies_the_hybrid_integration_annex_into_redis(standins, postgres_plain, configdb):
    import redis  # pylint: disable=import-outside-toplevel
    excs = standins.start("EXCS", "excs-1", **excs_env(postgres_plain, configdb))
    helpers.wait_for(lambda: health(excs)[0] == 200, what="EXCS healthy")
    body = health(excs)[1]
    assert body["service"] == "EXCS" and body["checks"] == {"redis": "ok", "configdb": "ok"}
    r = redis.Redis(host=standins.redis.host, port=standins.redis.port, password=standins.redis.password,
                    decode_responses=True)
    assert r.hgetall("exec:hybrid_integration:1:section:agent_state_sync") == {
        "client_id": "cid-env", "client_secret": "sec-env", "agent_polling_interval": "30"}
    assert json.loads(r.get("exec:hybrid_integration:1"))["recording"] == {"enabled": "true"}
    assert requests.get(excs.url + "/api/v1/hybrid_integration", timeout=5).json()["sections"][
        "agent_state_sync"]["client_id"] == "cid-env"  # tenant 1 only, not Tenant_B's
    assert helpers.metric(excs.url, "excs_annex_options") == 4

    # A change in the Config DB reaches Redis at the next sync; a removed section disappears from Redis.
    postgres_plain.psql("UPDATE cfg_flex_prop SET prop_value = '15' WHERE prop_name = 'agent_polling_interval'",
                        configdb)
    postgres_plain.psql("DELETE FROM cfg_flex_prop WHERE object_dbid = 9001 AND (prop_name IN ('recording', "
                        "'enabled'))", configdb)
    assert requests.post(excs.url + "/api/v1/sync", timeout=10).status_code == 200
    assert r.hget("exec:hybrid_integration:1:section:agent_state_sync", "agent_polling_interval") == "15"
    assert not r.exists("exec:hybrid_integration:1:section:recording")


def test_excs_is_unhealthy_when_the_config_db_refuses_it(standins, postgres_plain, configdb):
    excs = standins.start("EXCS", "excs-bad", **excs_env(postgres_plain, configdb, CONFIGDB_PASSWORD="wrong"))
    body = helpers.wait_for(lambda: (health(excs)[1]["checks"]["configdb"] != "not synced yet") and health(excs),
                            what="EXCS first sync")[1]
    assert health(excs)[0] == 503 and "password authentication failed" in body["checks"]["configdb"]
    assert requests.post(excs.url + "/api/v1/sync", timeout=10).status_code == 503


def test_exas_keeps_stat_server_connections_and_notices_their_loss(standins):
    primary = standins.engage_tcp("statserver", "stat-primary")
    backup = standins.engage_tcp("statserver", "stat-backup")
    peers = "127.0.0.1:%d,127.0.0.1:%d" % (primary.port, backup.port)
    exas = standins.start("EXAS", "exas-1", STAT_SERVERS=peers, ENGAGE_TCP_KEEPALIVE="0.5")
    helpers.wait_for(lambda: health(exas)[0] == 200, what="EXAS healthy")
    body = health(exas)[1]
    assert body["peers"]["127.0.0.1:%d" % primary.port]["greeting"] == "STATSERVER stat-primary ready"
    labels = {"kind": "statserver", "peer": "127.0.0.1:%d" % primary.port}
    assert helpers.metric(exas.url, "exec_engage_peer_connected", labels) == 1
    primary.stop()
    helpers.wait_for(lambda: helpers.metric(exas.url, "exec_engage_peer_connected", labels) == 0,
                     what="EXAS to notice the primary is gone")
    assert health(exas)[0] == 200  # the backup still serves
    backup.stop()
    helpers.wait_for(lambda: health(exas)[0] == 503, what="EXAS unhealthy without any Stat Server")


def start_pipeline(standins, nodes=2, **exrp_extra):
    sip = standins.engage_tcp("sipserver", "sip-1")
    exrps = [standins.start("EXRP", "exrp-%d" % i, EXEC_VERSION="100.0.100.99", **exrp_extra)
             for i in range(1, nodes + 1)]
    excp = standins.start("EXCP", "excp-1", SIP_SERVERS="127.0.0.1:%d" % sip.port,
                          EXRP_URLS=",".join(p.url for p in exrps), EXCP_EXRP_TIMEOUT="20")
    helpers.wait_for(lambda: health(excp)[0] == 200, what="EXCP healthy (SIP Server connected)")
    return excp, exrps


def driver_args(standins, excp, command="run", count=10, **extra):
    args = [command, "--json", "--count", str(count), "--size", "20000", "--webdav-url", standins.dav.url,
            "--webdav-user", standins.dav.user, "--webdav-password", standins.dav.password, "--lb-url", excp.url]
    if command == "run":
        args += ["--gc-url", standins.gc.url, "--gc-ca", standins.gc.ca]
        extra.setdefault("wait", 30)
    for key, value in extra.items():
        args += ["--" + key.replace("_", "-"), str(value)]
    return args


def test_recordings_travel_excp_exrp_gc_with_the_right_sha256(standins):
    import redis  # pylint: disable=import-outside-toplevel
    excp, exrps = start_pipeline(standins)
    nodes = requests.get(excp.url + "/api/v1/exrp", timeout=10).json()
    assert nodes["healthy"] == 2
    assert health(exrps[0])[1]["version"] == "100.0.100.99"

    completed = helpers.run_driver(*driver_args(standins, excp, count=20))
    summary = helpers.driver_summary(completed)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert summary["send"]["accepted"] == 20 and summary["verify"]["arrived"] == 20
    stored = standins.gc.recordings()
    assert len(stored) == 20
    # The bytes GC holds are the bytes the MCP put on WebDAV (the driver's manifest SHA-256 = what GC computed).
    one = sorted(stored)[0]
    content = requests.get("%s/lab/recordings/%s/content" % (standins.gc.url, one), verify=standins.gc.ca,
                           timeout=10).content
    dav_copy = requests.get("%s/%s" % (standins.dav.url, stored[one]["metadata"]["media_path"]),
                            auth=(standins.dav.user, standins.dav.password), timeout=10).content
    assert content == dav_copy and len(content) == 20000
    # Both nodes worked (round robin), each recorded its state in Redis.
    assert {r["injected_by"] for r in stored.values()} == {"exrp-1", "exrp-2"}
    r = redis.Redis(host=standins.redis.host, port=standins.redis.port, password=standins.redis.password,
                    decode_responses=True)
    state = r.hgetall("exrp:recording:" + one)
    assert state["state"] == "injected" and state["sha256"] == stored[one]["sha256"]
    assert r.sismember("exrp:recordings:injected", one)
    assert helpers.metric(excp.url, "excp_recordings_total", {"result": "delivered"}) == 20
    assert sum(helpers.metric(p.url, "exrp_recordings_total", {"result": "injected"}) for p in exrps) == 20


def test_killing_an_exrp_node_mid_flight_loses_nothing(standins, tmp_path):
    excp, exrps = start_pipeline(standins, EXRP_LAB_INJECT_DELAY_MS="400")
    manifest = tmp_path / "manifest.json"
    sender = subprocess.Popen([sys.executable, str(helpers.STANDINS / "mcp_driver.py"),
                               *driver_args(standins, excp, command="send", count=40, concurrency=6,
                                            manifest=manifest)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        helpers.wait_for(lambda: len(standins.gc.recordings()) >= 6, timeout=60, what="first recordings in GC")
        helpers.wait_for(lambda: helpers.metric(exrps[0].url, "exrp_inflight") >= 1, timeout=10,
                         what="a recording in flight on exrp-1")
        exrps[0].kill()
        out = sender.communicate(timeout=240)[0]
    finally:
        if sender.poll() is None:
            sender.kill()
    assert sender.returncode == 0, out
    verified = helpers.run_driver("verify", "--json", "--manifest", str(manifest), "--gc-url", standins.gc.url,
                                  "--gc-ca", standins.gc.ca, "--wait", "30")
    summary = helpers.driver_summary(verified)["verify"]
    assert verified.returncode == 0, verified.stdout
    assert summary["arrived"] == 40 and summary["missing_count"] == 0 and not summary["sha256_mismatch"]
    assert helpers.metric(excp.url, "excp_exrp_failovers_total") >= 1
    stored = standins.gc.recordings()
    assert len(stored) == 40 and any(r["injected_by"] == "exrp-2" for r in stored.values())


def test_excp_refuses_when_no_exrp_node_can_fetch_the_file(standins):
    import redis  # pylint: disable=import-outside-toplevel
    excp = start_pipeline(standins, WEBDAV_PASSWORD="wrong")[0]
    completed = helpers.run_driver(*driver_args(standins, excp, count=2, wait=1))
    summary = helpers.driver_summary(completed)
    assert completed.returncode == 1
    assert summary["send"]["rejected"] == 2 and "401" in summary["send"]["errors"][0]
    assert summary["verify"]["missing_count"] == 2 and standins.gc.recordings() == {}
    r = redis.Redis(host=standins.redis.host, port=standins.redis.port, password=standins.redis.password,
                    decode_responses=True)
    rid = summary["send"]["run_id"] + "-00001"
    assert r.hget("exrp:recording:" + rid, "state") == "failed"
    assert "WEBDAV_USERNAME" in r.hget("exrp:recording:" + rid, "error")


def test_exrp_with_a_wrong_gc_secret_injects_nothing(standins):
    excp = start_pipeline(standins, nodes=1, GC_CLIENT_SECRET="wrong")[0]
    answer = requests.post(excp.url + "/api/v1/recordings", json={"recording_id": "x-1", "media_path": "no/file"},
                           timeout=30)
    assert answer.status_code == 503
    put = requests.put(standins.dav.url + "/x-1.wav", data=b"abc", auth=(standins.dav.user, standins.dav.password),
                       timeout=10)
    assert put.status_code in (201, 204)
    answer = requests.post(excp.url + "/api/v1/recordings", json={"recording_id": "x-1", "media_path": "x-1.wav"},
                           timeout=30)
    assert answer.status_code == 503 and "GC_CLIENT_ID and GC_CLIENT_SECRET" in answer.text
    assert standins.gc.recordings() == {}
    bad = requests.post(excp.url + "/api/v1/recordings", json={"recording_id": "x-2", "media_path": "../etc"},
                        timeout=30)
    assert bad.status_code == 400


def test_driver_verify_reports_a_lost_or_altered_recording(standins, tmp_path):
    excp = start_pipeline(standins, nodes=1)[0]
    manifest = tmp_path / "manifest.json"
    sent = helpers.run_driver(*driver_args(standins, excp, command="send", count=3, manifest=manifest))
    assert sent.returncode == 0, sent.stdout + sent.stderr
    data = json.loads(manifest.read_text())
    data["recordings"][0]["metadata"]["ani"] = "+10000000000"  # GC holds other metadata than was sent
    lost = json.loads(json.dumps(data["recordings"][1]))
    lost["recording_id"] = lost["metadata"]["recording_id"] = data["run_id"] + "-99999"  # never sent
    data["recordings"].append(lost)
    manifest.write_text(json.dumps(data))
    verified = helpers.run_driver("verify", "--json", "--manifest", str(manifest), "--gc-url", standins.gc.url,
                                  "--gc-ca", standins.gc.ca, "--wait", "2")
    summary = helpers.driver_summary(verified)["verify"]
    assert verified.returncode == 1
    assert summary["missing"] == [lost["recording_id"]]
    assert summary["metadata_mismatch"] == [data["recordings"][0]["recording_id"]]


def test_through_a_real_haproxy_to_two_excp_instances(standins, tmp_path):
    """The MCP posts to the load balancer (HAProxy), which spreads over two EXCP instances sharing the EXRP nodes."""
    excp_a, exrps = start_pipeline(standins)
    excp_b = standins.start("EXCP", "excp-2", EXRP_URLS=",".join(p.url for p in exrps))
    balancer = helpers.start_haproxy(tmp_path / "haproxy", [excp_a.url, excp_b.url])
    try:
        helpers.wait_for(lambda: requests.get(balancer.url + "/health", timeout=5).status_code == 200,
                         what="HAProxy serving")
        completed = helpers.run_driver(*driver_args(standins, balancer, count=30, concurrency=6))
        summary = helpers.driver_summary(completed)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert summary["verify"]["arrived"] == 30 and not summary["verify"]["sha256_mismatch"]
        delivered = [helpers.metric(e.url, "excp_recordings_total", {"result": "delivered"}) for e in (excp_a, excp_b)]
        assert sum(delivered) == 30 and min(delivered) > 0
    finally:
        balancer.stop()


def test_a_hanging_exrp_node_is_skipped_after_the_timeout(standins):
    hole = helpers.BlackHole()
    try:
        sip = standins.engage_tcp("sipserver", "sip-1")
        good = standins.start("EXRP", "exrp-good")
        excp = standins.start("EXCP", "excp-1", SIP_SERVERS="127.0.0.1:%d" % sip.port,
                              EXRP_URLS="%s,%s" % (hole.url, good.url), EXCP_EXRP_TIMEOUT="1")
        completed = helpers.run_driver(*driver_args(standins, excp, count=4, concurrency=1))
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert len(standins.gc.recordings()) == 4
        assert helpers.metric(excp.url, "excp_exrp_attempts_total", {"node": hole.url, "result": "error"}) >= 2
    finally:
        hole.close()


def test_a_stopped_exrp_node_finishes_what_it_holds_and_takes_nothing_new(standins, tmp_path):
    """docker stop (SIGTERM) during a rolling upgrade: the node's port closes, its in-flight recordings still reach
    GC from that node, the rest go to the other node, nothing is lost."""
    excp, exrps = start_pipeline(standins, EXRP_LAB_INJECT_DELAY_MS="1500")
    manifest = tmp_path / "manifest.json"
    sender = subprocess.Popen([sys.executable, str(helpers.STANDINS / "mcp_driver.py"),
                               *driver_args(standins, excp, command="send", count=24, concurrency=6,
                                            manifest=manifest)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        helpers.wait_for(lambda: helpers.metric(exrps[0].url, "exrp_inflight") >= 2, timeout=30,
                         what="recordings in flight on exrp-1")
        stopped_at = time.time()
        exrps[0].proc.terminate()
        assert exrps[0].proc.wait(15) == 0, exrps[0].logs()
        out = sender.communicate(timeout=240)[0]
    finally:
        if sender.poll() is None:
            sender.kill()
    assert sender.returncode == 0, out
    stored = standins.gc.recordings()
    assert len(stored) == 24
    finished_after_stop = [r for r in stored.values()
                           if r["injected_by"] == "exrp-1" and r["received_epoch"] > stopped_at]
    assert len(finished_after_stop) >= 2, "exrp-1 abandoned its in-flight recordings"
    assert "draining" in exrps[0].logs() and "0 request(s) still in progress" in exrps[0].logs()


def test_excs_reads_the_config_db_over_verified_tls_and_writes_redis_over_tls(
        standins, postgres_tls, redis_tls, pki, tmp_path):
    pg = postgres_tls
    db = "excs_tls"
    if db not in pg.psql("SELECT datname FROM pg_database"):
        pg.psql("CREATE DATABASE %s" % db)
        pg.psql(MINIMAL_SCHEMA, db)
        pg.psql("INSERT INTO cfg_transaction VALUES (9001, 'hybrid_integration', 1)", db)
        annex(pg, db, 9001, "agent_state_sync", {"client_id": "cid-tls"})
    tls = {"CONFIGDB_SSLMODE": "verify-full", "CONFIGDB_SSLROOTCERT": str(pki.ca_path), "REDIS_PORT": redis_tls.tls_port,
           "REDIS_PASSWORD": redis_tls.password, "REDIS_TLS": "true", "REDIS_TLS_CA_FILE": str(pki.ca_path)}
    excs = standins.start("EXCS", "excs-tls", **excs_env(pg, db, **tls))
    helpers.wait_for(lambda: health(excs)[0] == 200, what="EXCS healthy over TLS")
    assert requests.get(excs.url + "/api/v1/hybrid_integration", timeout=5).json()["sections"] == {
        "agent_state_sync": {"client_id": "cid-tls"}}
    # A CA that did not sign the servers' certificates: both connections must be refused.
    other_ca = servers.PKI(tmp_path / "other-ca").ca_path
    wrong_ca = dict(tls)
    wrong_ca.update({"CONFIGDB_SSLROOTCERT": str(other_ca), "REDIS_TLS_CA_FILE": str(other_ca)})
    bad = standins.start("EXCS", "excs-wrong-ca", **excs_env(pg, db, **wrong_ca))
    body = helpers.wait_for(lambda: (health(bad)[1]["checks"]["configdb"] != "not synced yet") and health(bad),
                            what="EXCS first sync")[1]
    assert "SSL error" in body["checks"]["configdb"]  # libpq: the signature does not verify with this CA
    assert "certificate verify failed" in body["checks"]["redis"]
    assert health(bad)[0] == 503


def test_a_no_media_excp_without_exrp_nodes_is_healthy_but_refuses_recordings(standins):
    """Before Recording Injection is configured (no EXRP_URLS), EXCP runs as in a No-Media deployment."""
    sip = standins.engage_tcp("sipserver", "sip-1")
    excp = standins.start("EXCP", "excp-no-media", SIP_SERVERS="127.0.0.1:%d" % sip.port)
    helpers.wait_for(lambda: health(excp)[0] == 200, what="EXCP healthy")
    assert health(excp)[1]["exrp_nodes"] == 0
    assert requests.head(excp.url + "/health", timeout=5).status_code == 200  # HEAD works where GET does
    answer = requests.post(excp.url + "/api/v1/recordings", json={"recording_id": "r-1", "media_path": "r-1.wav"},
                           timeout=10)
    assert answer.status_code == 503 and "EXRP_URLS" in answer.text


def test_an_exrp_without_its_credentials_refuses_to_start(standins, tmp_path):
    env = standins.env("EXRP", "exrp-incomplete", EXEC_LISTEN_PORT=servers.free_port())
    del env["GC_CLIENT_SECRET"], env["WEBDAV_PASSWORD"]
    proc = helpers.start_standin("exec_service.py", tmp_path, "exrp-incomplete", env, wait=False)
    assert proc.proc.wait(20) != 0
    assert "missing setting(s) WEBDAV_PASSWORD, GC_CLIENT_SECRET" in proc.logs()


def test_an_unreachable_gc_api_fails_the_hand_over_cleanly(standins):
    """GC on a closed loopback port: EXRP answers 502 naming the cause, Redis says failed, EXCP says 503."""
    import redis  # pylint: disable=import-outside-toplevel
    put = requests.put(standins.dav.url + "/gc-down.wav", data=b"abc", auth=(standins.dav.user, standins.dav.password),
                       timeout=10)
    assert put.status_code in (201, 204)
    closed = "127.0.0.1:%d" % servers.free_port()
    exrp = standins.start("EXRP", "exrp-gc-down", GC_API_HOST=closed, GC_LOGIN_HOST=closed)
    answer = requests.post(exrp.url + "/api/v1/recordings", json={"recording_id": "gc-down", "media_path":
                                                                  "gc-down.wav"}, timeout=30)
    assert answer.status_code == 502 and "GC OAuth token" in answer.json()["error"]
    r = redis.Redis(host=standins.redis.host, port=standins.redis.port, password=standins.redis.password,
                    decode_responses=True)
    assert r.hget("exrp:recording:gc-down", "state") == "failed"
