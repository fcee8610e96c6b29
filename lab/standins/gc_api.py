# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Genesys Cloud API stand-in (lab only), over HTTPS.

- ``POST /oauth/token``: OAuth 2.0 client credentials grant (HTTP Basic client_id:client_secret, form body
  ``grant_type=client_credentials``) -> ``{"access_token", "token_type": "bearer", "expires_in"}``; wrong secret: 401.
  Genesys Cloud issues tokens on its login host (``login.<region>``) and serves its API on another
  (``api.<region>``): with GC_LOGIN_HOST set, tokens are issued only to requests for that host name (the Host
  header), and the API only answers requests for any other name (404 otherwise), so a client that mixes the two
  fails here as it would at a site.
- ``POST <GC_INJECTION_PATH>`` (default ``/api/v2/recording/injections``), bearer token: body = the recording's bytes,
  headers ``X-Recording-Id``, ``X-Recording-Sha256`` (hex), ``X-Recording-Metadata`` (base64 of the metadata JSON),
  optional ``X-Injected-By`` (EXRP node) and ``X-Org-Id`` (the EX org, ORG_ID). The SHA-256 is checked (422 on
  mismatch); the recording is stored once per id (a repeat with the same bytes answers 200 ``"duplicate": true``,
  other bytes 409).
- ``GET /lab/recordings``: what arrived (id, sha256, size, metadata, client, injected_by, org_id, injections);
  ``GET /lab/recordings/<id>/content``: the bytes; ``DELETE /lab/recordings``: forget everything. Lab-only paths,
  no authentication.
- ``GET /health``, ``GET /metrics``.

Settings (environment or ``--env-file``): GC_LISTEN_HOST (0.0.0.0), GC_LISTEN_PORT (443), GC_TLS_CERT_FILE,
GC_TLS_KEY_FILE (HTTPS; without them plain HTTP), GC_OAUTH_CLIENTS (``id:secret,id2:secret2``), GC_TOKEN_TTL (3600),
GC_INJECTION_PATH, GC_DATA_DIR (keep recordings on disk and reload them at start; else memory only), GC_LOGIN_HOST
(the login host name; unset: tokens and API on every name).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import threading
import time
import urllib.parse

from lab_common import App, HttpError, Metrics, Response, Settings, now_iso, serve_until_terminated, setup_logging

DEFAULT_INJECTION_PATH = "/api/v2/recording/injections"


class GcStandIn:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.clients = {}
        for pair in settings.list("GC_OAUTH_CLIENTS"):
            client_id, secret = (pair.split(":", 1) + [""])[:2]
            self.clients[client_id] = secret
        self.token_ttl = settings.int("GC_TOKEN_TTL", 3600)
        self.login_host = (settings.get("GC_LOGIN_HOST") or "").strip().lower()
        self.tokens = {}
        self.recordings = {}
        self.lock = threading.Lock()
        self.data_dir = settings.get("GC_DATA_DIR")
        self.metrics = Metrics()
        self.metrics.declare("gc_oauth_tokens_total", "counter", "OAuth token requests by result")
        self.metrics.declare("gc_injections_total", "counter", "Recording injections by result")
        self.metrics.declare("gc_recordings_stored", "gauge", "Distinct recordings stored")
        if self.data_dir:
            os.makedirs(self.data_dir, exist_ok=True)
            for name in sorted(os.listdir(self.data_dir)):
                if name.endswith(".json"):
                    with open(os.path.join(self.data_dir, name), encoding="utf-8") as handle:
                        record = json.load(handle)
                    self.recordings[record["recording_id"]] = record
        self.metrics.set("gc_recordings_stored", len(self.recordings))

    # ------------------------------------------------------------------ host names
    @staticmethod
    def host_of(request) -> str:
        """The host name the client asked for (Host header, without the port), lower case."""
        host = (request.headers.get("Host") or "").strip().lower()
        if host.startswith("["):  # [v6]:port
            return host[1:].split("]", 1)[0]
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host

    def check_host(self, request, login: bool) -> None:
        """404 when a token is asked of another name than the login host, or the API of the login host."""
        if not self.login_host:
            return
        host = self.host_of(request)
        if login and host != self.login_host:
            self.metrics.inc("gc_oauth_tokens_total", {"result": "wrong_host"})
            raise HttpError(404, "no %s on %s: tokens are issued by the login host %s (login.<region>), not by the "
                                 "API host" % (request.path, host, self.login_host))
        if not login and host == self.login_host:
            self.metrics.inc("gc_injections_total", {"result": "wrong_host"})
            raise HttpError(404, "no %s on the login host %s: the API answers on the API host (api.<region>)"
                            % (request.path, host))

    # ------------------------------------------------------------------ OAuth
    def issue_token(self, request):
        self.check_host(request, login=True)
        auth = request.headers.get("Authorization", "")
        client_id = secret = None
        if auth.startswith("Basic "):
            try:
                client_id, secret = (base64.b64decode(auth[6:]).decode("utf-8").split(":", 1) + [""])[:2]
            except (binascii.Error, UnicodeDecodeError):
                client_id = None
        form = urllib.parse.parse_qs(request.body.decode("utf-8", "replace"))
        if client_id is None and "client_id" in form:  # client_secret_post is accepted too
            client_id, secret = form["client_id"][0], form.get("client_secret", [""])[0]
        if form.get("grant_type", [""])[0] != "client_credentials":
            self.metrics.inc("gc_oauth_tokens_total", {"result": "bad_grant"})
            raise HttpError(400, "unsupported_grant_type: only client_credentials")
        if client_id is None or client_id not in self.clients or not secrets.compare_digest(
                self.clients[client_id], secret or ""):
            self.metrics.inc("gc_oauth_tokens_total", {"result": "invalid_client"})
            raise HttpError(401, "invalid_client", {"WWW-Authenticate": 'Basic realm="gc"'})
        token = secrets.token_urlsafe(32)
        with self.lock:
            now = time.time()
            self.tokens = {t: v for t, v in self.tokens.items() if v[1] > now}
            self.tokens[token] = (client_id, now + self.token_ttl)
        self.metrics.inc("gc_oauth_tokens_total", {"result": "issued"})
        return {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl}

    def client_of(self, request) -> str:
        auth = request.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer "):
            raise HttpError(401, "bearer token required", {"WWW-Authenticate": "Bearer"})
        with self.lock:
            entry = self.tokens.get(auth[7:].strip())
        if not entry or entry[1] < time.time():
            raise HttpError(401, "invalid or expired token", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return entry[0]

    # ------------------------------------------------------------------ injection
    def inject(self, request):
        self.check_host(request, login=False)
        client_id = self.client_of(request)
        recording_id = request.headers.get("X-Recording-Id", "")
        claimed = (request.headers.get("X-Recording-Sha256") or "").lower()
        if not re.match(r"^[A-Za-z0-9._-]{1,128}$", recording_id):
            self.metrics.inc("gc_injections_total", {"result": "bad_request"})
            raise HttpError(400, "X-Recording-Id missing or not [A-Za-z0-9._-]{1,128}")
        try:
            metadata = json.loads(base64.b64decode(request.headers.get("X-Recording-Metadata", "")).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            self.metrics.inc("gc_injections_total", {"result": "bad_request"})
            raise HttpError(400, "X-Recording-Metadata is not base64 JSON: %s" % exc) from exc
        digest = hashlib.sha256(request.body).hexdigest()
        if claimed != digest:
            self.metrics.inc("gc_injections_total", {"result": "checksum_mismatch"})
            raise HttpError(422, "SHA-256 mismatch for %s: header %s, body %s" % (recording_id, claimed, digest))
        with self.lock:
            existing = self.recordings.get(recording_id)
            if existing:
                if existing["sha256"] != digest:
                    self.metrics.inc("gc_injections_total", {"result": "conflict"})
                    raise HttpError(409, "recording %s already stored with other content" % recording_id)
                existing["injections"] += 1
                self.metrics.inc("gc_injections_total", {"result": "duplicate"})
                return {"id": existing["id"], "recording_id": recording_id, "sha256": digest, "duplicate": True}
            record = {
                "id": "gc-" + secrets.token_hex(8), "recording_id": recording_id, "sha256": digest,
                "size": len(request.body), "metadata": metadata, "client_id": client_id,
                "injected_by": request.headers.get("X-Injected-By", ""), "org_id": request.headers.get("X-Org-Id", ""),
                "received_at": now_iso(), "received_epoch": time.time(), "injections": 1,
            }
            self.recordings[recording_id] = record
            self.metrics.set("gc_recordings_stored", len(self.recordings))
            if self.data_dir:
                with open(os.path.join(self.data_dir, recording_id + ".bin"), "wb") as handle:
                    handle.write(request.body)
                with open(os.path.join(self.data_dir, recording_id + ".json"), "w", encoding="utf-8") as handle:
                    json.dump(record, handle)
            else:
                record["_content"] = request.body
        self.metrics.inc("gc_injections_total", {"result": "stored"})
        return Response(201, {"id": record["id"], "recording_id": recording_id, "sha256": digest,
                              "duplicate": False})

    def listing(self, _request):
        with self.lock:
            items = [{k: v for k, v in r.items() if not k.startswith("_")} for r in self.recordings.values()]
        return {"count": len(items), "recordings": sorted(items, key=lambda r: r["recording_id"])}

    def content(self, request):
        recording_id = request.match.group(1)
        with self.lock:
            record = self.recordings.get(recording_id)
        if not record:
            raise HttpError(404, "no recording %s" % recording_id)
        if "_content" in record:
            return Response(200, record["_content"], "application/octet-stream")
        with open(os.path.join(self.data_dir, recording_id + ".bin"), "rb") as handle:
            return Response(200, handle.read(), "application/octet-stream")

    def reset(self, _request):
        with self.lock:
            if self.data_dir:
                for name in os.listdir(self.data_dir):
                    os.unlink(os.path.join(self.data_dir, name))
            self.recordings.clear()
            self.metrics.set("gc_recordings_stored", 0)
        return {"count": 0}

    def app(self) -> App:
        app = App("gc-api")
        app.route("POST", "/oauth/token")(self.issue_token)
        app.route("POST", re.escape(self.settings.get("GC_INJECTION_PATH", DEFAULT_INJECTION_PATH)))(self.inject)
        app.route("GET", "/lab/recordings")(self.listing)
        app.route("DELETE", "/lab/recordings")(self.reset)
        app.route("GET", r"/lab/recordings/([A-Za-z0-9._-]+)/content")(self.content)
        app.route("GET", "/health")(lambda _r: {"status": "ok", "service": "gc-api",
                                                "recordings": len(self.recordings)})
        app.route("GET", "/metrics")(lambda _r: self.metrics.render())
        return app


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--env-file", help="settings file (docker --env-file syntax)")
    args = parser.parse_args(argv)
    log = setup_logging("gc-api")
    settings = Settings(args.env_file)
    if not settings.list("GC_OAUTH_CLIENTS"):
        raise SystemExit("GC_OAUTH_CLIENTS is empty: set id:secret[,id:secret]")
    standin = GcStandIn(settings)
    host, port = settings.get("GC_LISTEN_HOST", "0.0.0.0"), settings.int("GC_LISTEN_PORT", 443)
    app = standin.app()
    server = app.server(host, port, settings.get("GC_TLS_CERT_FILE"), settings.get("GC_TLS_KEY_FILE"))
    log.info("listening on %s:%s (%s)", host, port, "https" if settings.get("GC_TLS_CERT_FILE") else "http")
    serve_until_terminated(server, app, log, 5)


if __name__ == "__main__":
    main()
