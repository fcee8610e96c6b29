# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GAX REST API backend of cme_hybrid_transaction (private to this collection).

Cookie session (``POST /gax/api/session/login``, confirmed with ``GET /gax/api/user/info``), objects as JSON with
string-valued fields, the Annex as ``userproperties.property[{section, key, value}]``. Connection errors and 5xx
answers are retried with exponential backoff; 4xx answers never are.

No public page shows a GAX CfgFolder document, so folders are read without depending on one spelling: the content
type from ``subtype`` (as a transaction's type is its ``subtype``), ``contenttype``, ``objecttype`` or a ``type``
other than ``CfgFolder``; the class from ``folderclass``; the owner from ``ownerid`` ({type, dbid}), ``ownerdbid``
or ``tenantdbid``, else the parent's owner; field names in any case. What is missing stays unknown (None) and
``_annex.default_folder`` decides with what is there.
"""

from __future__ import annotations

import time
import traceback

from ansible_collections.engage_exec.recording.plugins.module_utils import _annex
from ansible_collections.engage_exec.recording.plugins.module_utils import _tls
from ansible_collections.engage_exec.recording.plugins.module_utils._annex import AnnexError, NameTaken

REQUESTS_IMPORT_ERROR = None
try:
    import requests
except ImportError:  # pragma: no cover - reported by the module with missing_required_lib
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

API = "/gax/api"


def _int(value):
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def from_gax(obj):
    """A GAX CfgTransaction (string fields) as the backend-neutral dict."""
    sections = {}
    for prop in (obj.get("userproperties") or {}).get("property") or []:
        sections.setdefault(prop.get("section", ""), {})[prop.get("key", "")] = str(prop.get("value", ""))
    return {"dbid": _int(obj.get("dbid")), "name": obj.get("name"), "alias": obj.get("alias") or "",
            "tenantdbid": _int(obj.get("tenantdbid")),
            "folderid": _int(obj.get("folderid")), "subtype": obj.get("subtype"), "state": obj.get("state"),
            "sections": sections}


def to_gax(obj):
    body = {"type": "CfgTransaction", "name": obj["name"], "alias": obj["alias"], "tenantdbid": str(obj["tenantdbid"]),
            "folderid": str(obj["folderid"]), "subtype": obj["subtype"], "state": obj["state"],
            "userproperties": {"property": [{"section": s, "key": k, "value": v}
                                            for s in sorted(obj["sections"]) for k, v in sorted(obj["sections"][s].items())]}}
    if obj.get("dbid") is not None:
        body["dbid"] = str(obj["dbid"])
    return body


def _field(obj, *names):
    """The first of ``names`` (any case) that ``obj`` has with a value, else None."""
    lower = {str(k).lower(): v for k, v in obj.items()} if isinstance(obj, dict) else {}
    for name in names:
        value = lower.get(name)
        if value not in (None, ""):
            return value
    return None


def folder_from_gax(obj):
    """A GAX CfgFolder as ``(owner dbid or None, folder dict of _annex.folder)``."""
    content = _field(obj, "subtype", "contenttype", "objecttype")
    if content is None:
        kind = _field(obj, "type")
        content = kind if kind is not None and str(kind).lower() != "cfgfolder" else None
    owner = _field(obj, "ownerid")
    owner = _field(owner, "dbid") if isinstance(owner, dict) else owner
    if owner is None:
        owner = _field(obj, "ownerdbid", "tenantdbid")
    parent = _int(_field(obj, "folderid", "parentid"))
    return _int(owner), _annex.folder(_int(obj.get("dbid")), obj.get("name"), parent or None, content,
                                      _field(obj, "folderclass"))


class GaxBackend:
    """One GAX session. ``where`` names the object in every message."""

    def __init__(self, url, username, password, where, validate_certs=True, ca_path=None, timeout=30, retries=3,
                 backoff=0.5):
        self.url = url.rstrip("/")
        self.username = username
        self._password = password
        self.where = where
        self.verify = (ca_path or True) if validate_certs else False
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.session = None

    # ------------------------------------------------------------------------------------------- transport
    def _send(self, method, path, **kwargs):
        """One request with retries on connection errors and 5xx; returns the response (any status < 500)."""
        url = self.url + API + path
        last = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
            try:
                resp = self.session.request(method, url, timeout=self.timeout, verify=self.verify, **kwargs)
            except requests.exceptions.SSLError as exc:
                raise AnnexError("%s: TLS verification of GAX at %s failed (%s). %s"
                                 % (self.where, self.url, _short(exc), _tls.verify_hint(exc, "GAX"))) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                last = "%s (%s)" % (type(exc).__name__, _short(exc))
                continue
            if resp.status_code >= 500:
                last = "HTTP %s: %s" % (resp.status_code, _message(resp))
                continue
            return resp
        raise AnnexError("%s: GAX at %s did not answer %s %s after %d attempts: %s. Nothing further was written; "
                         "check gax_url and that GAX and Configuration Server run, then run again."
                         % (self.where, self.url, method, API + path, self.retries + 1, last))

    def _json(self, method, path, ok=(200,), **kwargs):
        resp = self._send(method, path, **kwargs)
        if resp.status_code == 401:
            raise AnnexError("%s: GAX refused %s %s (401 %s). Check gax_username/gax_password and the user's "
                             "permissions." % (self.where, method, API + path, _message(resp)))
        if resp.status_code not in ok:
            raise AnnexError("%s: GAX refused %s %s (%s %s)."
                             % (self.where, method, API + path, resp.status_code, _message(resp)))
        if not resp.content:
            return {}
        try:
            return resp.json()
        except ValueError:
            raise AnnexError("%s: GAX answered %s %s with something that is not JSON. Is gax_url the GAX "
                             "base URL (without /gax/api)?" % (self.where, method, API + path)) from None

    # ----------------------------------------------------------------------------------------------- session
    def open(self):
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json"})
        resp = self._send("POST", "/session/login",
                          json={"username": self.username, "password": self._password, "isPasswordEncrypted": False})
        if resp.status_code in (401, 403):
            raise AnnexError("%s: GAX login as %r refused (%s). Check gax_username/gax_password."
                             % (self.where, self.username, resp.status_code))
        if resp.status_code != 200:
            raise AnnexError("%s: GAX login failed (%s %s). Check gax_url."
                             % (self.where, resp.status_code, _message(resp)))
        self._json("GET", "/user/info")

    def close(self):
        if self.session is None:
            return
        try:
            self.session.post(self.url + API + "/session/logout", timeout=self.timeout, verify=self.verify)
        except requests.exceptions.RequestException:
            pass
        self.session.close()
        self.session = None

    def commit(self):
        """GAX applies each request on its own."""

    def rollback(self):
        """Nothing to undo: a failed GAX request changed nothing."""

    # ----------------------------------------------------------------------------------------------- objects
    def _list(self, obj_type, name=None):
        params = {"brief": "false", "type": obj_type}
        if name is not None:
            params["name"] = name
        found = self._json("GET", "/cfg/objects", params=params)
        if isinstance(found, dict):  # some GAX releases wrap the array
            found = found.get("objects", [])
        if not isinstance(found, list):
            raise AnnexError("%s: GAX answered the %s query with an unexpected shape." % (self.where, obj_type))
        return found

    def tenant_dbid(self, name):
        for obj in self._list("CfgTenant", name):
            if obj.get("name") == name:
                return _int(obj.get("dbid"))
        return None

    def folders(self, tenant_dbid):
        owners, folders = {}, {}
        for obj in self._list("CfgFolder"):
            if _int(obj.get("dbid")) is None:
                continue
            owner, folder = folder_from_gax(obj)
            owners[folder["dbid"]], folders[folder["dbid"]] = owner, folder

        def owner_of(dbid, depth=0):  # a folder that names no owner has its parent's
            if owners.get(dbid) is not None or depth > 32 or folders[dbid]["parent"] not in folders:
                return owners.get(dbid)
            return owner_of(folders[dbid]["parent"], depth + 1)
        return [f for dbid, f in sorted(folders.items()) if owner_of(dbid) == tenant_dbid]

    def find(self, tenant_dbid, name):
        hits = [o for o in self._list("CfgTransaction", name)
                if o.get("name") == name and _int(o.get("tenantdbid")) == tenant_dbid]
        if len(hits) > 1:
            raise AnnexError("%s: GAX lists several objects of this name in the tenant (dbids %s). Remove the "
                             "duplicates first." % (self.where, ", ".join(str(o.get("dbid")) for o in hits)))
        return from_gax(hits[0]) if hits else None

    def create(self, obj):
        resp = self._send("POST", "/cfg/objects", json=to_gax(obj))
        if resp.status_code == 200:
            dbid = _int(_safe_json(resp).get("dbid"))
            if dbid is None:
                found = self.find(obj["tenantdbid"], obj["name"])
                dbid = found["dbid"] if found else None
            return dbid
        if resp.status_code == 400 and self.find(obj["tenantdbid"], obj["name"]) is not None:
            raise NameTaken(obj["name"])
        raise AnnexError("%s: GAX refused to create it (%s %s)." % (self.where, resp.status_code, _message(resp)))

    def update(self, current, obj):
        self._json("PUT", "/cfg/objects/CfgTransaction/%s" % current["dbid"], json=to_gax(obj))

    def delete(self, current):
        self._json("DELETE", "/cfg/objects/CfgTransaction/%s" % current["dbid"])


def _safe_json(resp):
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _message(resp):
    data = _safe_json(resp)
    status = data.get("status") if isinstance(data.get("status"), dict) else {}
    msg = status.get("message") or data.get("message") or resp.reason or ""
    return str(msg)[:300]


def _short(exc):
    text = str(exc)
    return text if len(text) < 300 else text[:300] + "..."
