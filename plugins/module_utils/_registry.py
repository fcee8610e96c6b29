# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small client for the container registry HTTP API v2 (read side): ping, manifest and config digests.

Authentication follows what the registry asks for in ``WWW-Authenticate``: ``Basic`` (htpasswd registries) or
``Bearer`` (token servers: the credentials are exchanged at the realm for a token scoped to the repository).
Errors are ``RegistryError`` with a message that names the registry, the cause and a hint; never a secret.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re

from ansible_collections.engage_exec.recording.plugins.module_utils import _tls

# ``requests`` is imported on first use (``load_requests()``), not here: the module then imports it in the thread
# that asks the registry, while the main thread hashes the archive (the import costs 40-100 ms).
HAS_REQUESTS = importlib.util.find_spec("requests") is not None
REQUESTS_IMPORT_ERROR = None if HAS_REQUESTS else ImportError("No module named 'requests'")
requests = None  # the module, once load_requests() ran


def load_requests():
    """The ``requests`` module, imported once (thread-safe: the import system locks per module)."""
    global requests  # pylint: disable=global-statement
    if requests is None:
        import requests as mod  # pylint: disable=import-outside-toplevel
        requests = mod
    return requests


MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_LIST_V2 = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST_ACCEPT = ", ".join((MANIFEST_V2, OCI_MANIFEST, MANIFEST_LIST_V2, OCI_INDEX))

_CHALLENGE_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))')


class RegistryError(Exception):
    """An expected failure talking to the registry; ``status`` is the HTTP status when there was one."""

    def __init__(self, msg, status=None):
        super().__init__(msg)
        self.status = status


def parse_challenge(header):
    """``WWW-Authenticate`` value -> (scheme lower-case, {param: value}); ('', {}) when empty."""
    if not header:
        return "", {}
    scheme, _sep, rest = header.strip().partition(" ")
    params = {}
    for m in _CHALLENGE_PARAM.finditer(rest):
        params[m.group(1).lower()] = m.group(2) if m.group(2) is not None else m.group(3)
    return scheme.lower(), params


class RegistryClient:
    """Registry API v2 over HTTPS. ``verify`` is a CA bundle path, True (system trust) or False."""

    def __init__(self, registry, username=None, password=None, verify=True, timeout=30, session=None):
        self.registry = registry
        self.base = "https://%s" % registry
        self.username = username
        self.password = password
        self.verify = verify
        self.timeout = timeout
        load_requests()  # also for an injected session: the transport errors are requests' exceptions
        self.session = session if session is not None else requests.Session()
        self._basic = False
        self._tokens = {}

    # --------------------------------------------------------------------------------------------- transport
    def _send(self, method, path, scope, headers):
        hdrs = dict(headers or {})
        if scope in self._tokens:
            hdrs["Authorization"] = "Bearer %s" % self._tokens[scope]
        auth = (self.username, self.password or "") if self._basic and self.username else None
        try:
            return self.session.request(method, self.base + path, headers=hdrs, auth=auth, verify=self.verify,
                                        timeout=self.timeout, allow_redirects=True)
        except requests.exceptions.SSLError as exc:
            raise RegistryError("%s - TLS verification of the registry failed (%s). %s"
                                % (self.registry, _short(exc), _tls.verify_hint(exc, "the registry")))
        except requests.exceptions.Timeout:
            raise RegistryError("%s - the registry did not answer within %s s. Check that it runs and that this "
                                "host reaches it." % (self.registry, self.timeout))
        except requests.exceptions.ConnectionError as exc:
            raise RegistryError("%s - cannot connect to the registry (%s). Check the registry address and that "
                                "the registry runs and is reachable from this host." % (self.registry, _short(exc)))

    def request(self, method, path, scope="registry:catalog:*", headers=None):
        """Send, answering a 401 challenge once (Basic, or Bearer token flow); return the response."""
        resp = self._send(method, path, scope, headers)
        if resp.status_code != 401:
            return resp
        scheme, params = parse_challenge(resp.headers.get("WWW-Authenticate", ""))
        if not self.username:
            raise RegistryError("%s - the registry requires authentication (401). Set registry_username and "
                                "registry_password." % self.registry, 401)
        if scheme == "basic" and not self._basic:
            self._basic = True
        elif scheme == "bearer" and scope not in self._tokens:
            self._tokens[scope] = self._token(params, scope)
        else:
            raise self._refused(401)
        resp = self._send(method, path, scope, headers)
        if resp.status_code == 401:
            raise self._refused(401)
        return resp

    def _refused(self, status):
        return RegistryError("%s - authentication refused (%d). Check registry_username/registry_password."
                             % (self.registry, status), status)

    def _token(self, params, scope):
        realm = params.get("realm")
        if not realm:
            raise RegistryError("%s - the registry asked for a bearer token without a realm; cannot log in."
                                % self.registry)
        query = {"scope": scope}
        if params.get("service"):
            query["service"] = params["service"]
        try:
            resp = self.session.get(realm, params=query, auth=(self.username, self.password or ""),
                                    verify=self.verify, timeout=self.timeout)
        except requests.exceptions.SSLError as exc:
            raise RegistryError("%s - TLS verification of the token server %s failed (%s). %s"
                                % (self.registry, realm, _short(exc), _tls.verify_hint(exc, "the token server")))
        except requests.exceptions.RequestException as exc:
            raise RegistryError("%s - cannot reach the token server %s (%s)." % (self.registry, realm, _short(exc)))
        if resp.status_code in (401, 403):
            raise self._refused(resp.status_code)
        if resp.status_code != 200:
            raise RegistryError("%s - the token server %s answered %d." % (self.registry, realm, resp.status_code),
                                resp.status_code)
        try:
            body = resp.json()
        except ValueError:
            body = {}
        token = body.get("token") or body.get("access_token")
        if not token:
            raise RegistryError("%s - the token server %s returned no token." % (self.registry, realm))
        return token

    # ----------------------------------------------------------------------------------------------- API
    def ping(self):
        """GET /v2/: proves it is a registry and that the credentials work."""
        resp = self.request("GET", "/v2/")
        if resp.status_code == 403:
            raise RegistryError("%s - access denied (403). Check the permissions of registry_username."
                                % self.registry, 403)
        api_version = resp.headers.get("Docker-Distribution-API-Version", "registry/2.0")
        if resp.status_code != 200 or "registry/2.0" not in api_version:
            raise RegistryError("%s - /v2/ answered %d; this does not look like a container registry (API v2). "
                                "Check the registry address." % (self.registry, resp.status_code),
                                resp.status_code)

    def manifest(self, repository, reference):
        """The manifest of ``repository:reference`` as a dict, or None when the tag does not exist.

        Keys: digest (what the registry reports, else sha256 of the body), media_type, config_digest (None for an
        index/list), layers (list of layer digests), size (sum of layer sizes).
        """
        scope = "repository:%s:pull" % repository
        resp = self.request("GET", "/v2/%s/manifests/%s" % (repository, reference), scope,
                            headers={"Accept": MANIFEST_ACCEPT})
        if resp.status_code == 404:
            return None
        if resp.status_code == 403:
            raise RegistryError("%s/%s - access denied (403). Check the permissions of registry_username."
                                % (self.registry, repository), 403)
        if resp.status_code != 200:
            raise RegistryError("%s/%s:%s - reading the manifest failed (%d %s)."
                                % (self.registry, repository, reference, resp.status_code, _errors(resp)),
                                resp.status_code)
        body = resp.content
        digest = resp.headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(body).hexdigest()
        try:
            doc = json.loads(body)
        except ValueError:
            raise RegistryError("%s/%s:%s - the registry returned a manifest that is not JSON."
                                % (self.registry, repository, reference))
        media_type = doc.get("mediaType") or resp.headers.get("Content-Type", "").split(";")[0]
        config = doc.get("config") or {}
        layers = doc.get("layers") or []
        return {"digest": digest, "media_type": media_type, "config_digest": config.get("digest"),
                "layers": [la.get("digest") for la in layers], "size": sum(int(la.get("size", 0)) for la in layers)}


def _short(exc):
    text = str(exc)
    m = re.search(r"\[SSL[^\]]*\][^')\"]*", text)
    if m:
        return m.group(0).strip()
    m = re.search(r"(Connection refused|Name or service not known|timed out|No route to host)", text)
    return m.group(1) if m else text[:200]


def _errors(resp):
    try:
        errs = resp.json().get("errors") or []
        return "; ".join("%s: %s" % (e.get("code"), e.get("message")) for e in errs)
    except (ValueError, AttributeError):
        return resp.reason or ""
