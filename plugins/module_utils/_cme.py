# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private backend of the ``cme_hybrid_transaction`` module: the wanted Transaction object made in one transaction of
the GAX or Config DB backend (_gax, _configdb; the object logic is _annex), and read back from the Config DB when
asked (docs/architecture.md, "Backend contract": :func:`run` returns the result or raises an AnnexError)."""

from __future__ import annotations

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.engage_exec.recording.plugins.module_utils import _annex
from ansible_collections.engage_exec.recording.plugins.module_utils import _configdb
from ansible_collections.engage_exec.recording.plugins.module_utils import _gax
from ansible_collections.engage_exec.recording.plugins.module_utils import _pg


class VerifyError(_annex.AnnexError):
    """The write happened (its ``changed`` is returned) but the Config DB does not show it."""


CONFIGDB_REQUIRED = ("configdb_host", "configdb_name", "configdb_user")
RETURNED = ("changed", "dbid", "object", "diff", "changes", "alias_missing", "verified", "warnings")


def _raw_secrets(sections, secret_keys):
    """Secret values as given, before validation, so that even a failure message cannot show them."""
    found = set()
    if isinstance(sections, dict):
        for section, keys in sections.items():
            if isinstance(keys, dict):
                for key, value in keys.items():
                    if value not in (None, "") and _annex.is_secret(section, key, secret_keys):
                        found.add(str(value))
    return found


def _configdb_params(p):
    return {"host": p["configdb_host"], "port": p["configdb_port"], "dbname": p["configdb_name"],
            "user": p["configdb_user"], "password": p["configdb_password"], "sslmode": p["configdb_sslmode"],
            "sslrootcert": _pg.sslrootcert(p["configdb_sslmode"], p["configdb_ca_path"]),
            "connect_timeout": p["timeout"]}


def _backend(p, check_mode, where):
    if p["backend"] == "gax":
        if _gax.requests is None:
            raise _annex.AnnexError(missing_required_lib("requests"), exception=_gax.REQUESTS_IMPORT_ERROR)
        return _gax.GaxBackend(p["gax_url"], p["gax_username"], p["gax_password"], where,
                               validate_certs=p["validate_certs"], ca_path=p["ca_path"], timeout=p["timeout"],
                               retries=p["retries"])
    return _configdb.ConfigDbBackend(_configdb_params(p), where, lock=not check_mode)


def _warnings(p, check_mode, where, result):
    warnings = []
    if p["backend"] == "configdb" and result["changed"]:
        warnings.append("%s was %s directly in the Config DB. Configuration Server caches configuration: restart it "
                        "(or synchronise it) before EXCS and other clients rely on the change."
                        % (where, "would be written" if check_mode else "written"))
    if result["alias_missing"] and not (result.get("after") or {}).get("alias"):
        warnings.append("%s has no alias, and Configuration Server refuses to save a Transaction without one. The "
                        "module sets it (alias, else the name) with the next change; give alias to set it now."
                        % where)
    return warnings


def run(p, check_mode, hide):
    """The module's result for its parameters ``p`` (docs/architecture.md, "Backend contract"), or AnnexError.
    ``hide(values)`` registers secret values as no_log values: the ones given first, so that no failure shows
    them, then the ones read from the backend."""
    where = _annex.describe(p["name"], p["tenant"])
    hide(_raw_secrets(p["sections"], p["secret_keys"]))
    if (p["backend"] == "configdb" or p["verify_configdb"]) and _configdb.psycopg2 is None:
        raise _annex.AnnexError(missing_required_lib("psycopg2"), exception=_configdb.PSYCOPG2_IMPORT_ERROR)
    want = {"name": p["name"], "alias": _annex.check_alias(p["alias"], where), "tenant": p["tenant"],
            "folder": p["folder"], "purge": p["purge"], "state": p["state"], "secret_keys": p["secret_keys"],
            "sections": _annex.normalize_sections(p["sections"], where)}
    backend = _backend(p, check_mode, where)
    backend.open()
    try:
        result = _annex.ensure(backend, want, check_mode)
        hide(result.pop("secrets"))
        if result["changed"] and not check_mode:
            backend.commit()
        else:
            backend.rollback()
    except Exception:
        backend.rollback()
        raise
    finally:
        backend.close()
    result["warnings"] = _warnings(p, check_mode, where, result)
    result["verified"] = None
    if p["verify_configdb"] and not check_mode:
        seen = _configdb.read_back(_configdb_params(p), where, p["tenant"], p["name"])
        hide(_annex.secret_values((seen or {}).get("sections"), p["secret_keys"]))
        problems = _annex.compare_readback(want, result, seen, p["secret_keys"])
        if problems:
            raise VerifyError("%s: verify_configdb: the Config DB does not show what was written: %s. Is GAX "
                              "connected to this Config DB?" % (where, "; ".join(problems)),
                              changed=result["changed"], warnings=result["warnings"])
        result["verified"] = True
    return dict((key, result[key]) for key in RETURNED)
