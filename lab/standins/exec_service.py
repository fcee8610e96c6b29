# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""EXEC services stand-in (lab only): one program, four personalities chosen by ``EXEC_SERVICE``.

Every personality serves ``GET /health`` (200 when its dependencies answer, else 503; JSON) and ``GET /metrics``
(Prometheus text) on its port:

- ``EXCS`` (3640): reads the Annex rows of the ``hybrid_integration`` Transaction from the Config DB (PostgreSQL) and
  copies them into Redis, at start and every ``EXCS_SYNC_INTERVAL`` seconds; ``GET /api/v1/hybrid_integration``
  returns what it read, ``POST /api/v1/sync`` syncs now.
- ``EXAS`` (3630): keeps TCP connections to the Stat Servers (``STAT_SERVERS``, port 2060).
- ``EXCP`` (3650): keeps TCP connections to the SIP Servers (``SIP_SERVERS``, port 8000); accepts recording metadata
  ``POST /api/v1/recordings`` and hands each to an EXRP node (``EXRP_URLS``), trying the next node on any error, and
  answers 200 only once a node answered 200; ``GET /api/v1/exrp`` shows which EXRP nodes answer their health check.
- ``EXRP`` (3660): ``POST /api/v1/recordings`` fetches the file from WebDAV (Basic auth), injects recording + metadata
  into Genesys Cloud (OAuth client credentials), records the state in Redis, answers 200 only after GC accepted it.

On SIGTERM (``docker stop``) the port closes at once (EXCP moves on to another EXRP node) and the requests in progress
get ``EXEC_DRAIN_TIMEOUT`` seconds to finish, so a rolling upgrade loses nothing.

All settings come from the environment (``docker run --env-file``) or ``--env-file``; lab/README.md lists them.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import os
import posixpath
import select
import socket
import threading
import time
import urllib.parse

from lab_common import (App, HttpError, Metrics, Response, Settings, basic_auth, http, now_iso, parse_hostport,
                        redis_client, serve_until_terminated, setup_logging)

DEFAULT_PORTS = {"EXCS": 3640, "EXAS": 3630, "EXCP": 3650, "EXRP": 3660}
RECORDINGS_PATH = "/api/v1/recordings"
DEFAULT_INJECTION_PATH = "/api/v2/recording/injections"
EXRP_REQUIRED = ("WEBDAV_URL", "WEBDAV_USERNAME", "WEBDAV_PASSWORD", "GC_API_HOST", "GC_LOGIN_HOST", "GC_CLIENT_ID",
                 "GC_CLIENT_SECRET")
# Default Config DB query, for the lab schema (lab/configdb/001-schema.sql): an Annex section is a cfg_flex_prop row of
# the transaction (prop_type 1, parent_dbid 0), its keys are rows (prop_type 2) whose parent_dbid is the section row.
# Override with CONFIGDB_ANNEX_QUERY (same named parameters, same three columns: section, key, value).
DEFAULT_ANNEX_QUERY = """
SELECT s.prop_name AS section, k.prop_name AS key, k.prop_value AS value
  FROM cfg_transaction t
  JOIN cfg_flex_prop s ON s.object_dbid = t.dbid AND s.object_type = %(object_type)s
                      AND s.prop_type = 1 AND s.parent_dbid = 0
  JOIN cfg_flex_prop k ON k.parent_dbid = s.dbid AND k.prop_type = 2
 WHERE t.name = %(name)s AND t.tenant_dbid = %(tenant_dbid)s
 ORDER BY s.prop_name, k.prop_name
"""


class EngagePeer(threading.Thread):
    """Keeps one TCP connection to an Engage server (Stat Server, SIP Server) open, reconnecting when it drops."""

    def __init__(self, kind: str, address: str, default_port: int, metrics: Metrics, log, keepalive: float):
        super().__init__(daemon=True, name="%s-%s" % (kind, address))
        self.kind, self.address = kind, address
        self.host, self.port = parse_hostport(address, default_port)
        self.metrics, self.log, self.keepalive = metrics, log, keepalive
        self.connected = False
        self.greeting = ""
        self.stop_event = threading.Event()

    def _set(self, connected: bool) -> None:
        if connected != self.connected:
            self.log.info("%s %s %s", self.kind, self.address, "connected" if connected else "disconnected")
        self.connected = connected
        self.metrics.set("exec_engage_peer_connected", 1 if connected else 0,
                         {"kind": self.kind, "peer": self.address})

    def run(self):
        self._set(False)
        while not self.stop_event.is_set():
            try:
                with socket.create_connection((self.host, self.port), timeout=3) as sock:
                    sock.settimeout(5)
                    reader = sock.makefile("rb")
                    self.greeting = reader.readline().decode("utf-8", "replace").strip()
                    if not self.greeting:
                        raise OSError("closed before greeting")
                    self._set(True)
                    self.metrics.inc("exec_engage_peer_connects_total", {"kind": self.kind, "peer": self.address})
                    while not self.stop_event.is_set():
                        readable = select.select([sock], [], [], self.keepalive)[0]
                        if readable:
                            if not sock.recv(4096, socket.MSG_PEEK):
                                raise OSError("closed by peer")
                            reader.readline()
                            continue
                        sock.sendall(b"PING\r\n")
                        if not reader.readline():
                            raise OSError("closed by peer")
            except OSError as exc:
                if self.connected:
                    self.log.warning("%s %s: %s", self.kind, self.address, exc)
                self._set(False)
            self.stop_event.wait(1)


class ExecService:
    def __init__(self, settings: Settings, log):
        self.settings = settings
        self.log = log
        self.service = settings.get("EXEC_SERVICE", "").upper()
        if self.service not in DEFAULT_PORTS:
            raise SystemExit("EXEC_SERVICE must be one of EXCS, EXAS, EXCP, EXRP (got %r)" % self.service)
        self.port = settings.int("EXEC_LISTEN_PORT", DEFAULT_PORTS[self.service])
        self.node = settings.get("EXEC_NODE_NAME", socket.gethostname())
        self.version = settings.get("EXEC_VERSION", "lab")
        self.metrics = Metrics()
        self.metrics.declare("exec_info", "gauge", "Stand-in identity")
        self.metrics.declare("exec_health_ok", "gauge", "1 when the last health check passed")
        self.metrics.set("exec_info", 1, {"service": self.service, "version": self.version, "node": self.node})
        self.redis = redis_client(settings)
        self.peers = []
        self.lock = threading.Lock()
        keepalive = settings.float("ENGAGE_TCP_KEEPALIVE", 5)
        if self.service in ("EXAS", "EXCP"):
            self.metrics.declare("exec_engage_peer_connected", "gauge", "1 while the TCP connection is up")
            self.metrics.declare("exec_engage_peer_connects_total", "counter", "Successful TCP connections")
            kind, key, port = (("statserver", "STAT_SERVERS", 2060) if self.service == "EXAS"
                               else ("sipserver", "SIP_SERVERS", 8000))
            self.peers = [EngagePeer(kind, addr, port, self.metrics, log, keepalive) for addr in settings.list(key)]
        if self.service == "EXCS":
            self.metrics.declare("excs_sync_total", "counter", "Config DB -> Redis syncs by result")
            self.metrics.declare("excs_annex_options", "gauge", "Annex options copied at the last sync")
            self.sync_state = {"ok": False, "error": "not synced yet", "sections": {}, "synced_at": None}
        if self.service == "EXCP":
            self.metrics.declare("excp_recordings_total", "counter", "Recording metadata POSTs by result")
            self.metrics.declare("excp_exrp_attempts_total", "counter", "Hand-overs to EXRP nodes by node, result")
            self.metrics.declare("excp_exrp_failovers_total", "counter", "Hand-overs moved to another EXRP node")
            self.exrp_urls = [u.rstrip("/") for u in settings.list("EXRP_URLS")]
            self.round_robin = itertools.count()
        if self.service == "EXRP":
            missing = [key for key in EXRP_REQUIRED if not settings.get(key)]
            if missing:
                raise SystemExit("EXRP: missing setting(s) %s: set them in the .env file" % ", ".join(missing))
            self.metrics.declare("exrp_recordings_total", "counter", "Recordings by result")
            self.metrics.declare("exrp_bytes_total", "counter", "Recording bytes injected")
            self.metrics.declare("exrp_inflight", "gauge", "Recordings being processed")
            self.token = None
            self.token_expiry = 0.0
            self.inflight = 0

    # ------------------------------------------------------------------ health
    def health(self, _request=None):
        checks = {}
        try:
            checks["redis"] = "ok" if self.redis.ping() else "no PONG"
        except Exception as exc:  # pylint: disable=broad-except
            checks["redis"] = "%s: %s" % (type(exc).__name__, exc)
        if self.peers:
            up = [p.address for p in self.peers if p.connected]
            checks[self.peers[0].kind] = "ok" if up else "none of %s connected" % ", ".join(
                p.address for p in self.peers)
        if self.service == "EXCS":
            checks["configdb"] = "ok" if self.sync_state["ok"] else self.sync_state["error"]
        if self.service == "EXCP":  # a No-Media EXCP (no EXRP yet) is healthy; it only refuses recordings
            body_extra = {"exrp_nodes": len(self.exrp_urls)}
        else:
            body_extra = {}
        healthy = all(v == "ok" for v in checks.values())
        self.metrics.set("exec_health_ok", 1 if healthy else 0)
        body = {"status": "ok" if healthy else "fail", "service": self.service, "version": self.version,
                "node": self.node, "checks": checks}
        body.update(body_extra)
        if self.peers:
            body["peers"] = {p.address: {"connected": p.connected, "greeting": p.greeting} for p in self.peers}
        return Response(200 if healthy else 503, body)

    # ------------------------------------------------------------------ EXCS
    def excs_sync(self, _request=None):
        import psycopg2  # pylint: disable=import-outside-toplevel
        s = self.settings
        tenant = s.int("CONFIGDB_TENANT_DBID", 1)
        name = s.get("HYBRID_TRANSACTION_NAME", "hybrid_integration")
        prefix = "%s:%s" % (s.get("EXCS_REDIS_PREFIX", "exec:hybrid_integration"), tenant)
        try:
            conn = psycopg2.connect(host=s.get("CONFIGDB_HOST", "127.0.0.1"), port=s.int("CONFIGDB_PORT", 5432),
                                    dbname=s.get("CONFIGDB_NAME", "config"), user=s.get("CONFIGDB_USER"),
                                    password=s.get("CONFIGDB_PASSWORD"), sslmode=s.get("CONFIGDB_SSLMODE", "prefer"),
                                    sslrootcert=s.get("CONFIGDB_SSLROOTCERT"), connect_timeout=5)
            try:
                with conn.cursor() as cur:
                    cur.execute(s.get("CONFIGDB_ANNEX_QUERY", DEFAULT_ANNEX_QUERY),
                                {"name": name, "tenant_dbid": tenant,
                                 "object_type": s.get("CONFIGDB_TRANSACTION_OBJECT_TYPE", "CfgTransaction")})
                    rows = cur.fetchall()
            finally:
                conn.close()
            sections = {}
            for section, key, value in rows:
                sections.setdefault(section, {})[key] = value
            pipe = self.redis.pipeline(transaction=True)
            for old in self.redis.scan_iter(prefix + ":section:*"):
                pipe.delete(old)
            for section, options in sections.items():
                pipe.hset("%s:section:%s" % (prefix, section), mapping=options)
            pipe.set(prefix, json.dumps(sections, sort_keys=True))
            pipe.set(prefix + ":synced_at", now_iso())
            pipe.execute()
        except Exception as exc:  # pylint: disable=broad-except
            error = "%s: %s" % (type(exc).__name__, str(exc).strip())
            self.log.warning("sync failed: %s", error)
            self.sync_state.update(ok=False, error=error)
            self.metrics.inc("excs_sync_total", {"result": "error"})
            if _request is not None:
                raise HttpError(503, "sync failed: " + error) from exc
            return None
        self.sync_state = {"ok": True, "error": None, "sections": sections, "synced_at": now_iso(),
                           "transaction": name, "tenant_dbid": tenant, "redis_key": prefix}
        self.metrics.inc("excs_sync_total", {"result": "ok"})
        self.metrics.set("excs_annex_options", sum(len(v) for v in sections.values()))
        return self.sync_state

    def excs_loop(self):
        interval = self.settings.float("EXCS_SYNC_INTERVAL", 30)
        while True:
            self.excs_sync()
            time.sleep(interval)

    # ------------------------------------------------------------------ EXCP
    @staticmethod
    def validate_metadata(request) -> dict:
        metadata = request.json()
        if not isinstance(metadata, dict):
            raise HttpError(400, "metadata must be a JSON object")
        for field in ("recording_id", "media_path"):
            if not isinstance(metadata.get(field), str) or not metadata[field]:
                raise HttpError(400, "metadata field %s is missing" % field)
        path = metadata["media_path"]
        if path.startswith("/") or ".." in path.split("/") or "://" in path:
            raise HttpError(400, "media_path must be relative to the WebDAV root, without '..': %s" % path)
        return metadata

    def excp_recording(self, request):
        metadata = self.validate_metadata(request)
        if not self.exrp_urls:
            raise HttpError(503, "no EXRP node configured (EXRP_URLS)")
        path = self.settings.get("EXCP_EXRP_PATH", RECORDINGS_PATH)
        timeout = self.settings.float("EXCP_EXRP_TIMEOUT", 30)
        passes = self.settings.int("EXCP_EXRP_PASSES", 2)
        count = len(self.exrp_urls)
        start = next(self.round_robin) % count
        errors = []
        attempt = 0
        for round_no in range(passes):
            if round_no:
                time.sleep(min(1.0, 0.2 * round_no))
            for offset in range(count):
                url = self.exrp_urls[(start + offset) % count]
                attempt += 1
                if attempt > 1:
                    self.metrics.inc("excp_exrp_failovers_total")
                try:
                    result = http("POST", url + path, request.body, {"Content-Type": "application/json"},
                                  timeout=timeout)
                except OSError as exc:
                    errors.append("%s: %s" % (url, exc))
                    self.metrics.inc("excp_exrp_attempts_total", {"node": url, "result": "error"})
                    continue
                if 200 <= result.status < 300:
                    self.metrics.inc("excp_exrp_attempts_total", {"node": url, "result": "ok"})
                    self.metrics.inc("excp_recordings_total", {"result": "delivered"})
                    try:
                        answer = result.json()
                    except ValueError:
                        answer = {}
                    answer.update(exrp=url, attempts=attempt)
                    return answer
                self.metrics.inc("excp_exrp_attempts_total", {"node": url, "result": str(result.status)})
                if result.status == 400:
                    self.metrics.inc("excp_recordings_total", {"result": "rejected"})
                    return Response(400, result.body)
                errors.append("%s: HTTP %s %s" % (url, result.status, result.body[:200].decode("utf-8", "replace")))
        self.metrics.inc("excp_recordings_total", {"result": "failed"})
        self.log.warning("recording %s not delivered: %s", metadata["recording_id"], "; ".join(errors))
        raise HttpError(503, "no EXRP node took recording %s: %s" % (metadata["recording_id"], "; ".join(errors)))

    def excp_exrp_status(self, _request):
        nodes = []
        for url in self.exrp_urls:
            try:
                result = http("GET", url + "/health", timeout=3)
                nodes.append({"url": url, "status": result.status, "healthy": result.status == 200})
            except OSError as exc:
                nodes.append({"url": url, "status": None, "healthy": False, "error": str(exc)})
        return {"nodes": nodes, "healthy": sum(1 for n in nodes if n["healthy"])}

    # ------------------------------------------------------------------ EXRP
    def gc_base(self) -> str:
        return "https://" + self.settings.require("GC_API_HOST")

    def gc_token(self, refresh: bool = False) -> str:
        with self.lock:
            if self.token and not refresh and time.time() < self.token_expiry - 60:
                return self.token
            s = self.settings
            try:
                # Genesys Cloud issues tokens on its login host (login.<region>), not on the API host.
                result = http("POST", "https://%s/oauth/token" % s.require("GC_LOGIN_HOST"),
                              b"grant_type=client_credentials",
                              {"Authorization": basic_auth(s.require("GC_CLIENT_ID"), s.require("GC_CLIENT_SECRET")),
                               "Content-Type": "application/x-www-form-urlencoded"},
                              timeout=10, cafile=s.get("GC_API_CA_FILE"))
            except OSError as exc:
                raise HttpError(502, "GC OAuth token: %s" % exc) from exc
            if result.status != 200:
                raise HttpError(502, "GC OAuth token refused by %s (HTTP %s); check GC_LOGIN_HOST, GC_CLIENT_ID and "
                                     "GC_CLIENT_SECRET" % (s.require("GC_LOGIN_HOST"), result.status))
            answer = result.json()
            self.token = answer["access_token"]
            self.token_expiry = time.time() + float(answer.get("expires_in", 3600))
            return self.token

    def exrp_state(self, recording_id: str, **fields) -> None:
        key = "%s:%s" % (self.settings.get("EXRP_REDIS_PREFIX", "exrp:recording"), recording_id)
        fields.update(node=self.node, version=self.version, updated_at=now_iso())
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, mapping={k: "" if v is None else str(v) for k, v in fields.items()})
        if fields.get("state") == "injected":
            pipe.sadd(self.settings.get("EXRP_REDIS_PREFIX", "exrp:recording") + "s:injected", recording_id)
        pipe.execute()

    def exrp_recording(self, request):
        metadata = self.validate_metadata(request)
        with self.lock:
            self.inflight += 1
            self.metrics.set("exrp_inflight", self.inflight)
        try:
            return self._exrp_process(metadata)
        except HttpError as exc:
            self.metrics.inc("exrp_recordings_total", {"result": "failed"})
            try:
                self.exrp_state(metadata["recording_id"], state="failed", error=exc.message)
            except Exception:  # pylint: disable=broad-except
                pass
            raise
        finally:
            with self.lock:
                self.inflight -= 1
                self.metrics.set("exrp_inflight", self.inflight)

    def _exrp_process(self, metadata: dict):
        s = self.settings
        recording_id = metadata["recording_id"]
        try:
            self.exrp_state(recording_id, state="fetching", error="")
        except Exception as exc:  # pylint: disable=broad-except
            raise HttpError(503, "Redis unavailable: %s" % exc) from exc
        url = s.require("WEBDAV_URL").rstrip("/") + "/" + urllib.parse.quote(posixpath.normpath(
            metadata["media_path"]))
        auth = {"Authorization": basic_auth(s.require("WEBDAV_USERNAME"), s.require("WEBDAV_PASSWORD"))}
        try:
            fetched = http("GET", url, headers=auth, timeout=s.float("EXRP_FETCH_TIMEOUT", 30))
        except OSError as exc:
            raise HttpError(502, "WebDAV unreachable for %s: %s" % (recording_id, exc)) from exc
        if fetched.status != 200:
            raise HttpError(502, "WebDAV GET %s answered %s%s" % (url, fetched.status, " (check WEBDAV_USERNAME/"
                                                                  "WEBDAV_PASSWORD)" if fetched.status == 401 else ""))
        content = fetched.body
        digest = hashlib.sha256(content).hexdigest()
        if metadata.get("sha256") and metadata["sha256"].lower() != digest:
            raise HttpError(422, "recording %s on WebDAV has SHA-256 %s, metadata says %s"
                            % (recording_id, digest, metadata["sha256"]))
        self.exrp_state(recording_id, state="injecting", sha256=digest, size=len(content))
        delay = s.float("EXRP_LAB_INJECT_DELAY_MS", 0) / 1000.0
        if delay:
            time.sleep(delay)
        headers = {"Content-Type": metadata.get("content_type") or "application/octet-stream",
                   "X-Recording-Id": recording_id, "X-Recording-Sha256": digest, "X-Injected-By": self.node,
                   "X-Org-Id": s.get("ORG_ID", ""),
                   "X-Recording-Metadata": base64.b64encode(json.dumps(metadata, sort_keys=True).encode()).decode()}
        path = s.get("GC_INJECTION_PATH", DEFAULT_INJECTION_PATH)
        result = None
        for refresh in (False, True):
            headers["Authorization"] = "Bearer " + self.gc_token(refresh)
            try:
                result = http("POST", self.gc_base() + path, content, headers, timeout=s.float("EXRP_GC_TIMEOUT", 30),
                              cafile=s.get("GC_API_CA_FILE"))
            except OSError as exc:
                raise HttpError(502, "GC API unreachable for %s: %s" % (recording_id, exc)) from exc
            if result.status != 401:
                break
        if result.status not in (200, 201):
            raise HttpError(502, "GC refused recording %s: HTTP %s %s" % (
                recording_id, result.status, result.body[:200].decode("utf-8", "replace")))
        answer = result.json()
        self.exrp_state(recording_id, state="injected", gc_id=answer.get("id"), sha256=digest, size=len(content))
        self.metrics.inc("exrp_recordings_total", {"result": "injected"})
        self.metrics.inc("exrp_bytes_total", amount=len(content))
        if s.bool("EXRP_DELETE_AFTER_INJECT"):
            try:
                http("DELETE", url, headers=auth, timeout=10)
            except OSError as exc:
                self.log.warning("could not delete %s: %s", url, exc)
        return {"status": "injected", "recording_id": recording_id, "sha256": digest, "size": len(content),
                "gc_id": answer.get("id"), "duplicate": bool(answer.get("duplicate")), "node": self.node,
                "version": self.version}

    # ------------------------------------------------------------------ wiring
    def app(self) -> App:
        app = App(self.service.lower())
        app.route("GET", "/health")(self.health)
        app.route("GET", "/metrics")(lambda _r: self.metrics.render())
        if self.service == "EXCS":
            app.route("GET", "/api/v1/hybrid_integration")(lambda _r: self.sync_state)
            app.route("POST", "/api/v1/sync")(self.excs_sync)
        if self.service == "EXCP":
            app.route("POST", RECORDINGS_PATH)(self.excp_recording)
            app.route("GET", "/api/v1/exrp")(self.excp_exrp_status)
        if self.service == "EXRP":
            app.route("POST", RECORDINGS_PATH)(self.exrp_recording)
        return app

    def start_background(self):
        for peer in self.peers:
            peer.start()
        if self.service == "EXCS":
            threading.Thread(target=self.excs_loop, daemon=True, name="excs-sync").start()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--env-file", help="settings file (docker --env-file syntax)")
    parser.add_argument("--service", choices=sorted(DEFAULT_PORTS), help="overrides EXEC_SERVICE")
    args = parser.parse_args(argv)
    settings = Settings(args.env_file)
    if args.service:
        settings.values["EXEC_SERVICE"] = args.service
    service_name = (settings.get("EXEC_SERVICE") or "exec").lower()
    log = setup_logging(service_name)
    service = ExecService(settings, log)
    app = service.app()
    server = app.server(settings.get("EXEC_LISTEN_HOST", "0.0.0.0"), service.port)
    service.start_background()
    log.info("%s %s (node %s) listening on port %s, pid %s", service.service, service.version, service.node,
             service.port, os.getpid())
    serve_until_terminated(server, app, log, settings.float("EXEC_DRAIN_TIMEOUT", 8))


if __name__ == "__main__":
    main()
