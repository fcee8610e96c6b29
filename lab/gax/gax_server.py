# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's GAX REST API stand-in, over the lab Config DB (lab/configdb/*.sql).

It answers the part of the GAX API that the hybrid_integration Transaction needs, with the documented shapes:

  POST   /gax/api/session/login        {"username", "password", "isPasswordEncrypted"} -> cookie JSESSIONID; 401
  POST   /gax/api/session/logout
  GET    /gax/api/user/info            the logged-in user; 401 without a session
  GET    /gax/api/cfg/objects?type=T[&name=N][&brief=false]   a JSON array (one object per tenant for a name)
  GET    /gax/api/cfg/objects/<type>/<dbid>                    one object; 404
  POST   /gax/api/cfg/objects          create a CfgTransaction; 400 on a bad body, an unknown tenant or folder,
                                       or a name that already exists in the tenant
  PUT    /gax/api/cfg/objects/CfgTransaction/<dbid>            update (fields given replace; the Annex as a whole)
  DELETE /gax/api/cfg/objects/CfgTransaction/<dbid>

Objects are JSON with string-valued fields ("dbid": "123", "tenantdbid": "1", ...); the Annex is
"userproperties": {"property": [{"section", "key", "value"}]}. Errors are {"status": {"code": N, "message": "..."}}.
A CfgTransaction needs a non-empty "alias", as Configuration Server requires: a create without one, or an update
that would leave an object without one, is refused (400).

Folders follow the Configuration Server object model (CfgFolder: name, content type, folder class, owner, parent).
No public page shows a GAX CfgFolder document, so the spelling is our reading of the model, written once in
``folder_document``: "subtype" (content type, e.g. "CFGTransaction", as a transaction's type is its "subtype"),
"folderclass" ("CFGFCDefault", "CFGFCSystem", "CFGFCUser"), "ownerid" {"type": "CFGTenant", "dbid"}, "folderid"
(the parent; absent for a root folder). --folder-shape bare (or POST /lab/admin/folders {"shape": "bare"}) serves
folders without content type and folder class, as a GAX that does not expose them would.

Fault switch for tests (--fault-mode/--fault-delay/--fault-methods, or with --admin the endpoint
POST /lab/admin/fault {"mode": "none|slow|503|close", "delay": s, "methods": ["PUT", ...], "path": "/gax/api/cfg"}):
"slow" waits ``delay`` seconds before answering, "503" answers 503, "close" closes the connection unanswered.

Dependencies: python3 and psycopg2 only. Run: python3 gax_server.py --dsn "host=... dbname=config" --port 8080
--user gaxadmin --password-file FILE (or the GAX_LAB_PASSWORD environment variable).
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import secrets
import socket
import sys
import threading
import time
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import psycopg2
import psycopg2.pool

SESSION_COOKIE = "JSESSIONID"
SESSION_TTL = 1800
LOCK_CLASS = 0x4558  # advisory lock namespace shared with the configdb backend ("EX")
ANNEX_SECTION, ANNEX_KEY = 1, 2
TRANSACTION_SUBTYPES = ("CFGTRTNoTransactionType", "CFGTRTList", "CFGTRTRoutingStrategy", "CFGTRTBusinessRule",
                        "CFGTRTMacro", "CFGTRTOther")
STATES = ("CFGEnabled", "CFGDisabled")


class ApiError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class Fault:
    """The test switch: a mode applied to requests whose method is in ``methods`` (all when empty)."""

    def __init__(self, mode="none", delay=0.0, methods=(), path=""):
        self.lock = threading.Lock()
        self.set(mode, delay, methods, path)

    def set(self, mode="none", delay=0.0, methods=(), path=""):
        if mode not in ("none", "slow", "503", "close"):
            raise ApiError(400, "fault mode must be one of none, slow, 503, close")
        with self.lock:
            self.mode, self.delay = mode, float(delay or 0)
            self.methods, self.path = tuple(m.upper() for m in methods or ()), path or ""

    def get(self, method, path):
        with self.lock:
            if self.mode == "none" or (self.methods and method not in self.methods) or not path.startswith(self.path):
                return "none", 0.0
            return self.mode, self.delay

    def as_dict(self):
        with self.lock:
            return {"mode": self.mode, "delay": self.delay, "methods": list(self.methods), "path": self.path}


# ------------------------------------------------------------------------------------------------ Config DB
def _s(value):
    return "" if value is None else str(value)


def _annex(cur, object_type, dbid):
    cur.execute("SELECT dbid, parent_dbid, prop_type, prop_name, prop_value FROM cfg_flex_prop "
                "WHERE object_type = %s AND object_dbid = %s ORDER BY dbid", (object_type, dbid))
    rows = cur.fetchall()
    sections = {r[0]: r[3] for r in rows if r[2] == ANNEX_SECTION}
    return [{"section": sections[r[1]], "key": r[3], "value": r[4]}
            for r in rows if r[2] == ANNEX_KEY and r[1] in sections]


def _write_annex(cur, object_type, dbid, properties):
    cur.execute("DELETE FROM cfg_flex_prop WHERE object_type = %s AND object_dbid = %s", (object_type, dbid))
    section_ids = {}
    for prop in properties:
        section = prop["section"]
        if section not in section_ids:
            cur.execute("INSERT INTO cfg_flex_prop (object_dbid, object_type, parent_dbid, prop_type, prop_name, "
                        "prop_value) VALUES (%s, %s, 0, %s, %s, '') RETURNING dbid",
                        (dbid, object_type, ANNEX_SECTION, section))
            section_ids[section] = cur.fetchone()[0]
        cur.execute("INSERT INTO cfg_flex_prop (object_dbid, object_type, parent_dbid, prop_type, prop_name, "
                    "prop_value) VALUES (%s, %s, %s, %s, %s, %s)",
                    (dbid, object_type, section_ids[section], ANNEX_KEY, prop["key"], prop["value"]))


def _tenant(row):
    return {"dbid": _s(row[0]), "type": "CfgTenant", "name": row[1], "state": row[2]}


FOLDER_SHAPES = ("model", "bare")


def folder_document(row, shape="model"):
    """A CfgFolder row (dbid, name, owner dbid, parent, content type, class, owner type, state) as GAX JSON."""
    doc = {"dbid": _s(row[0]), "type": "CfgFolder", "name": row[1], "ownerid": {"type": row[6], "dbid": _s(row[2])},
           "state": row[7]}
    if row[3] is not None:
        doc["folderid"] = _s(row[3])
    if shape == "model":
        doc["subtype"] = row[4]
        doc["folderclass"] = row[5]
    return doc


def _transaction(cur, row, brief):
    obj = {"dbid": _s(row[0]), "type": "CfgTransaction", "name": row[1], "tenantdbid": _s(row[2]),
           "folderid": _s(row[3]), "subtype": row[4], "alias": row[5], "state": row[6]}
    if not brief:
        obj["userproperties"] = {"property": _annex(cur, "CfgTransaction", row[0])}
    return obj


QUERIES = {
    "CfgTenant": ("SELECT dbid, name, state FROM cfg_tenant", _tenant),
    "CfgFolder": ("SELECT dbid, name, tenant_dbid, parent_dbid, object_type, folder_class, owner_type, state "
                  "FROM cfg_folder", folder_document),
    "CfgTransaction": ("SELECT dbid, name, tenant_dbid, folder_dbid, subtype, alias, state FROM cfg_transaction",
                       None),
}


def list_objects(cur, obj_type, name, brief, dbid=None, folder_shape="model"):
    if obj_type not in QUERIES:
        raise ApiError(400, "type %r is not supported (the lab knows %s)" % (obj_type, ", ".join(sorted(QUERIES))))
    sql, conv = QUERIES[obj_type]
    where, args = [], []
    if name is not None:
        where.append("name = %s")
        args.append(name)
    if dbid is not None:
        where.append("dbid = %s")
        args.append(dbid)
    if where:
        sql += " WHERE " + " AND ".join(where)
    cur.execute(sql + " ORDER BY dbid", args)
    rows = cur.fetchall()
    if conv is None:
        return [_transaction(cur, r, brief) for r in rows]
    if conv is folder_document:
        return [folder_document(r, folder_shape) for r in rows]
    return [conv(r) for r in rows]


def _as_int(value, field):
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise ApiError(400, "field %r must be a dbid (a string of digits), got %r" % (field, value)) from None


def _properties(body):
    props = body.get("userproperties", {"property": []})
    if not isinstance(props, dict) or not isinstance(props.get("property", []), list):
        raise ApiError(400, "userproperties must be {\"property\": [{\"section\", \"key\", \"value\"}]}")
    out = []
    for prop in props.get("property", []):
        if not isinstance(prop, dict) or not all(isinstance(prop.get(f), str) for f in ("section", "key", "value")):
            raise ApiError(400, "every userproperties.property item needs string section, key and value")
        if not prop["section"] or not prop["key"]:
            raise ApiError(400, "userproperties.property: empty section or key name")
        out.append(prop)
    return out


def _check_folder(cur, tenant_dbid, folder_dbid):
    if folder_dbid is None:
        cur.execute("SELECT dbid FROM cfg_folder WHERE tenant_dbid = %s AND object_type = 'CFGTransaction' "
                    "AND folder_class = 'CFGFCDefault'", (tenant_dbid,))
        row = cur.fetchone()
        if not row:
            raise ApiError(400, "tenant %s has no default Transactions folder" % tenant_dbid)
        return row[0]
    cur.execute("SELECT tenant_dbid, object_type FROM cfg_folder WHERE dbid = %s", (folder_dbid,))
    row = cur.fetchone()
    if not row:
        raise ApiError(400, "folder %s does not exist" % folder_dbid)
    if row[0] != tenant_dbid or row[1] != "CFGTransaction":
        raise ApiError(400, "folder %s does not hold transactions of tenant %s" % (folder_dbid, tenant_dbid))
    return folder_dbid


def _lock_name(cur, tenant_dbid, name):
    cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_CLASS, "%s/%s" % (tenant_dbid, name)))


def _check_fields(body):
    subtype = body.get("subtype", "CFGTRTList")
    state = body.get("state", "CFGEnabled")
    if subtype not in TRANSACTION_SUBTYPES:
        raise ApiError(400, "subtype %r is not a transaction type" % (subtype,))
    if state not in STATES:
        raise ApiError(400, "state %r is not one of %s" % (state, ", ".join(STATES)))
    for field in ("name", "alias"):
        if field in body and not isinstance(body[field], str):
            raise ApiError(400, "field %r must be a string" % field)
    if not (body.get("alias") or "").strip():
        raise ApiError(400, "field 'alias' is required: a CfgTransaction must have a non-empty alias")
    return subtype, state


def create_transaction(cur, body):
    if body.get("type") != "CfgTransaction":
        raise ApiError(400, "the lab creates CfgTransaction objects only (type %r)" % (body.get("type"),))
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "field 'name' is required")
    subtype, state = _check_fields(body)
    tenant_dbid = _as_int(body.get("tenantdbid"), "tenantdbid")
    cur.execute("SELECT 1 FROM cfg_tenant WHERE dbid = %s", (tenant_dbid,))
    if not cur.fetchone():
        raise ApiError(400, "tenant %s does not exist" % tenant_dbid)
    folder = body.get("folderid")
    folder_dbid = _check_folder(cur, tenant_dbid, _as_int(folder, "folderid") if folder not in (None, "") else None)
    props = _properties(body)
    _lock_name(cur, tenant_dbid, name)
    cur.execute("SELECT dbid FROM cfg_transaction WHERE tenant_dbid = %s AND name = %s", (tenant_dbid, name))
    if cur.fetchone():
        raise ApiError(400, "a CfgTransaction named %r already exists in tenant %s" % (name, tenant_dbid))
    cur.execute("INSERT INTO cfg_transaction (name, tenant_dbid, folder_dbid, subtype, alias, state) "
                "VALUES (%s, %s, %s, %s, %s, %s) RETURNING dbid",
                (name, tenant_dbid, folder_dbid, subtype, body["alias"], state))
    dbid = cur.fetchone()[0]
    _write_annex(cur, "CfgTransaction", dbid, props)
    return dbid


def update_transaction(cur, dbid, body):
    cur.execute("SELECT dbid, name, tenant_dbid, folder_dbid, subtype, alias, state FROM cfg_transaction "
                "WHERE dbid = %s FOR UPDATE", (dbid,))
    row = cur.fetchone()
    if not row:
        raise ApiError(404, "CfgTransaction %s not found" % dbid)
    if "dbid" in body and _as_int(body["dbid"], "dbid") != dbid:
        raise ApiError(400, "dbid in the body (%s) differs from the path (%s)" % (body["dbid"], dbid))
    if "tenantdbid" in body and _as_int(body["tenantdbid"], "tenantdbid") != row[2]:
        raise ApiError(400, "an object cannot move to another tenant")
    merged = {"subtype": row[4], "alias": row[5], "state": row[6]}
    merged.update({k: v for k, v in body.items() if k in ("subtype", "state", "name", "alias")})
    subtype, state = _check_fields(merged)
    name = merged.get("name", row[1])
    if not name.strip():
        raise ApiError(400, "field 'name' must not be empty")
    if name != row[1]:
        _lock_name(cur, row[2], name)
        cur.execute("SELECT 1 FROM cfg_transaction WHERE tenant_dbid = %s AND name = %s", (row[2], name))
        if cur.fetchone():
            raise ApiError(400, "a CfgTransaction named %r already exists in tenant %s" % (name, row[2]))
    folder_dbid = row[3]
    if body.get("folderid") not in (None, ""):
        folder_dbid = _check_folder(cur, row[2], _as_int(body["folderid"], "folderid"))
    cur.execute("UPDATE cfg_transaction SET name = %s, folder_dbid = %s, subtype = %s, alias = %s, state = %s "
                "WHERE dbid = %s", (name, folder_dbid, subtype, merged["alias"], state, dbid))
    if "userproperties" in body:
        _write_annex(cur, "CfgTransaction", dbid, _properties(body))


def delete_transaction(cur, dbid):
    cur.execute("DELETE FROM cfg_transaction WHERE dbid = %s RETURNING dbid", (dbid,))
    if not cur.fetchone():
        raise ApiError(404, "CfgTransaction %s not found" % dbid)
    cur.execute("DELETE FROM cfg_flex_prop WHERE object_type = 'CfgTransaction' AND object_dbid = %s", (dbid,))


# ----------------------------------------------------------------------------------------------------- HTTP
class GaxHandler(BaseHTTPRequestHandler):
    server_version = "GAX-lab/1.0"
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections end, their threads with them

    def setup(self):
        super().setup()
        # Headers and body leave in separate writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if hasattr(self.connection, "do_handshake"):  # TLS: handshake here, in this request's thread
            self.connection.do_handshake()

    # -- plumbing
    def log_message(self, fmt, *args):  # request line and status only: bodies may hold passwords
        if not self.server.quiet:
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    def _send(self, code, payload=None, cookie=None):
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, code, message):
        self._send(code, {"status": {"code": code, "message": message}})

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise ApiError(400, "the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be a JSON object")
        return body

    def _session(self):
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        token = cookie[SESSION_COOKIE].value if SESSION_COOKIE in cookie else None
        return token, self.server.session_user(token)

    def _db(self, func, write=False):
        conn = self.server.pool.getconn()
        try:
            with conn:  # commit on success, rollback on any error
                with conn.cursor() as cur:
                    if not write:
                        cur.execute("SET TRANSACTION READ ONLY")
                    return func(cur)
        finally:
            self.server.pool.putconn(conn)

    def _dispatch(self, method):
        path = urlsplit(self.path).path
        mode, delay = self.server.fault.get(method, path)
        if not path.startswith("/lab/"):
            if mode == "slow":
                time.sleep(delay)
            elif mode == "503":
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return self._error(503, "service unavailable (lab fault switch)")
            elif mode == "close":
                self.close_connection = True
                self.connection.shutdown(2)
                return None
        try:
            return self._route(method, path)
        except ApiError as exc:
            return self._error(exc.code, exc.message)
        except psycopg2.Error as exc:
            return self._error(500, "Config DB error: %s" % str(exc).strip().splitlines()[0])

    def do_GET(self):  # noqa: N802 - http.server API
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self):  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self):  # noqa: N802
        self._dispatch("DELETE")

    # -- routes
    def _route(self, method, path):
        parts = [p for p in path.split("/") if p]
        query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query, keep_blank_values=True).items()}
        if parts[:2] == ["lab", "admin"] and self.server.admin:
            return self._admin(method, parts[2:])
        if path == "/lab/health":
            return self._send(200, {"status": {"code": 0, "message": "ok"}})
        if parts[:2] != ["gax", "api"]:
            raise ApiError(404, "no such resource: %s" % path)
        parts = parts[2:]
        if parts == ["session", "login"] and method == "POST":
            return self._login()
        token, user = self._session()
        if parts == ["session", "logout"] and method == "POST":
            self.server.drop_session(token)
            return self._send(200, {"status": {"code": 0}})
        if user is None:
            raise ApiError(401, "not logged in: POST /gax/api/session/login first")
        if parts == ["user", "info"] and method == "GET":
            return self._send(200, {"username": user, "userName": user, "dbid": "100", "tenantdbid": "1"})
        if parts[:2] != ["cfg", "objects"]:
            raise ApiError(404, "no such resource: %s" % path)
        parts = parts[2:]
        brief = query.get("brief", "true").lower() != "false"
        if not parts and method == "GET":
            if "type" not in query:
                raise ApiError(400, "query parameter 'type' is required")
            shape = self.server.folder_shape
            return self._send(200, self._db(lambda cur: list_objects(cur, query["type"], query.get("name"), brief,
                                                                     folder_shape=shape)))
        if not parts and method == "POST":
            body = self._body()
            dbid = self._db(lambda cur: create_transaction(cur, body), write=True)
            return self._send(200, {"status": {"code": 0}, "dbid": str(dbid)})
        if len(parts) == 2:
            obj_type, dbid = parts[0], _as_int(parts[1], "dbid")
            if method == "GET":
                shape = self.server.folder_shape
                found = self._db(lambda cur: list_objects(cur, obj_type, None, brief, dbid, folder_shape=shape))
                if not found:
                    raise ApiError(404, "%s %s not found" % (obj_type, dbid))
                return self._send(200, found[0])
            if obj_type != "CfgTransaction":
                raise ApiError(400, "the lab changes CfgTransaction objects only")
            if method == "PUT":
                body = self._body()
                self._db(lambda cur: update_transaction(cur, dbid, body), write=True)
                return self._send(200, {"status": {"code": 0}})
            if method == "DELETE":
                self._db(lambda cur: delete_transaction(cur, dbid), write=True)
                return self._send(200, {"status": {"code": 0}})
        raise ApiError(404 if method == "GET" else 400, "unsupported request: %s %s" % (method, path))

    def _login(self):
        body = self._body()
        if body.get("isPasswordEncrypted") in (True, "true"):
            raise ApiError(400, "isPasswordEncrypted=true is not supported by the lab")
        user, password = body.get("username"), body.get("password")
        if not isinstance(user, str) or not isinstance(password, str):
            raise ApiError(400, "username and password are required")
        if not self.server.check_password(user, password):
            raise ApiError(401, "login failed: wrong username or password")
        token = self.server.new_session(user)
        return self._send(200, {"status": {"code": 0}, "username": user},
                          cookie="%s=%s; Path=/gax; HttpOnly" % (SESSION_COOKIE, token))

    def _admin(self, method, parts):
        if parts == ["fault"] and method == "POST":
            body = self._body()
            self.server.fault.set(body.get("mode", "none"), body.get("delay", 0), body.get("methods", ()),
                                  body.get("path", ""))
        if parts == ["fault"]:
            return self._send(200, self.server.fault.as_dict())
        if parts == ["folders"] and method == "POST":
            shape = self._body().get("shape", "model")
            if shape not in FOLDER_SHAPES:
                raise ApiError(400, "folder shape must be one of %s" % ", ".join(FOLDER_SHAPES))
            self.server.folder_shape = shape
        if parts == ["folders"]:
            return self._send(200, {"shape": self.server.folder_shape})
        raise ApiError(404, "no such admin resource")


class GaxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, dsn, username, password, fault, admin=False, quiet=False, folder_shape="model"):
        super().__init__(address, GaxHandler)
        self.folder_shape = folder_shape
        self.pool = psycopg2.pool.ThreadedConnectionPool(1, 16, dsn)
        self.username, self.password = username, password
        self.fault, self.admin, self.quiet = fault, admin, quiet
        self.sessions = {}
        self.sessions_lock = threading.Lock()

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if not self.quiet:
            sys.stderr.write("connection from %s:%s ended: %s\n" % (client_address[0], client_address[1], exc))

    def check_password(self, user, password):
        ok_user = hmac.compare_digest(user.encode(), self.username.encode())
        ok_password = hmac.compare_digest(password.encode(), self.password.encode())
        return ok_user and ok_password

    def new_session(self, user):
        token = secrets.token_urlsafe(24)
        with self.sessions_lock:
            self.sessions[token] = (user, time.monotonic() + SESSION_TTL)
        return token

    def session_user(self, token):
        with self.sessions_lock:
            entry = self.sessions.get(token)
            if entry and entry[1] > time.monotonic():
                return entry[0]
            self.sessions.pop(token, None)
        return None

    def drop_session(self, token):
        with self.sessions_lock:
            self.sessions.pop(token, None)


def main(argv=None):
    parser = argparse.ArgumentParser(description="GAX REST API stand-in over the lab Config DB")
    parser.add_argument("--dsn", required=True, help="libpq connection string of the Config DB")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--user", default="gaxadmin", help="the GAX user name")
    parser.add_argument("--password-file", help="file holding the GAX password (else $GAX_LAB_PASSWORD)")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="private key of --tls-cert")
    parser.add_argument("--admin", action="store_true", help="enable POST /lab/admin/fault")
    parser.add_argument("--fault-mode", default="none", choices=("none", "slow", "503", "close"))
    parser.add_argument("--fault-delay", type=float, default=0.0)
    parser.add_argument("--fault-methods", default="", help="comma-separated methods the fault applies to")
    parser.add_argument("--fault-path", default="", help="path prefix the fault applies to (default: all)")
    parser.add_argument("--folder-shape", default="model", choices=FOLDER_SHAPES,
                        help="model: folders with content type and folder class; bare: without them")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as f:
            password = f.read().strip()
    else:
        password = os.environ.get("GAX_LAB_PASSWORD", "")
    if not password:
        parser.error("no password: give --password-file or set GAX_LAB_PASSWORD")
    fault = Fault(args.fault_mode, args.fault_delay, [m for m in args.fault_methods.split(",") if m], args.fault_path)
    server = GaxServer((args.host, args.port), args.dsn, args.user, password, fault, args.admin, args.quiet,
                       args.folder_shape)
    if args.tls_cert:
        import ssl  # pylint: disable=import-outside-toplevel
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    sys.stderr.write("GAX lab stand-in on %s:%s\n" % (args.host, server.server_address[1]))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.pool.closeall()
    return 0


if __name__ == "__main__":
    sys.exit(main())
