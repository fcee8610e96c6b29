# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Desired state, comparison, diff and masking of a CME Transaction's Annex (private to this collection).

The Annex is a mapping ``{section: {key: value}}`` with string values, the way the Configuration Layer stores
them. The backends (``_gax``, ``_configdb``) read and write objects; :func:`ensure` decides what to do.

A backend offers: ``tenant_dbid(name)``, ``folders(tenant_dbid)`` (the folders the tenant owns, of any content
type, as dicts made by :func:`folder`), ``find(tenant_dbid, name)`` (an object dict or None), ``create(obj)``
(returns the dbid; raises :class:`NameTaken` when another writer created the name first), ``update(current, obj)``
and ``delete(current)``. Objects are dicts: dbid, name, alias, tenantdbid, folderid, subtype, state, sections.

Folders follow the Configuration Server object model: a CfgFolder has a content type (``CFGTransaction``), a folder
class (``CFGFCDefault`` for the tenant's default folder of that type, ``CFGFCSystem``, ``CFGFCUser``), an owner and a
parent. A GAX may leave content type and class out; :func:`default_folder` says what is chosen then.
"""

from __future__ import annotations

import copy

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError

MASK = "********"
ALWAYS_SECRET = ("client_secret",)
SUBTYPE_LIST = "CFGTRTList"
CONTENT_TRANSACTION = "CFGTransaction"
FOLDER_CLASSES = ("CFGFCDefault", "CFGFCSystem", "CFGFCUser")
FOLDER_DEFAULT = "CFGFCDefault"
DEFAULT_FOLDER_NAME = "Transactions"


class AnnexError(ModuleError):
    """An expected failure; the message names the object, the cause and a hint, and holds no secret. Nothing was
    changed unless ``changed`` is given."""

    def __init__(self, msg, **extra):
        super().__init__(msg, **dict({"changed": False}, **extra))


class NameTaken(Exception):
    """Raised by a backend's create() when the name appeared in the tenant after it was looked up."""


def describe(name, tenant):
    return "CfgTransaction %r of tenant %r" % (name, tenant)


# ------------------------------------------------------------------------------------------- normalisation
def _check_name(value, what, where):
    if not isinstance(value, str) or not value.strip():
        raise AnnexError("%s: %s %r is not a non-empty string. Give a plain name." % (where, what, value))
    if any(ord(c) < 32 for c in value):
        raise AnnexError("%s: %s %r contains a control character (newline, tab ...). Use a plain one-line name."
                         % (where, what, value))
    return value


def text_value(value, section, key, where):
    """The value as the Configuration Layer stores it: a one-line string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if value is None:
        raise AnnexError("%s: value of %s.%s is null. Give a string (use '' for an empty value)."
                         % (where, section, key))
    if not isinstance(value, str):
        raise AnnexError("%s: value of %s.%s is a %s, not a string or number. Annex values are single strings."
                         % (where, section, key, type(value).__name__))
    if "\n" in value or "\r" in value:
        raise AnnexError("%s: value of %s.%s contains a newline, which an Annex value cannot hold. "
                         "Give a single-line value." % (where, section, key))
    return value


def normalize_sections(sections, where):
    """``{section: {key: value}}`` with every value a string; AnnexError on anything else."""
    if sections is None:
        return {}
    if not isinstance(sections, dict):
        raise AnnexError("%s: sections must be a mapping {section: {key: value}}, got a %s."
                         % (where, type(sections).__name__))
    out = {}
    for section, keys in sections.items():
        _check_name(section, "section name", where)
        if not isinstance(keys, dict):
            raise AnnexError("%s: section %r is not a mapping (got a %s). Write it as %s: {key: value, ...}."
                             % (where, section, type(keys).__name__, section))
        out[section] = {}
        for key, value in keys.items():
            _check_name(key, "key name in section %r" % section, where)
            out[section][key] = text_value(value, section, key, where)
    return out


def check_alias(alias, where):
    """The alias to send, or None (not given: the object's name for a new object, else kept)."""
    if alias is None:
        return None
    if not isinstance(alias, str) or not alias.strip():
        raise AnnexError("%s: alias %r is empty; Configuration Server refuses a CfgTransaction without an alias. "
                         "Give a non-empty alias, or leave alias out to use the object's name." % (where, alias))
    return _check_name(alias, "alias", where)


def secret_key_set(secret_keys):
    return set(ALWAYS_SECRET) | set(secret_keys or ())


def is_secret(section, key, secret_keys):
    """``secret_keys`` holds key names (any section) or ``section.key`` names."""
    keys = secret_key_set(secret_keys)
    return key in keys or "%s.%s" % (section, key) in keys


def secret_values(sections, secret_keys):
    """Every secret value in ``sections`` (non-empty), to hand to the module's no_log values."""
    return {v for s, kv in (sections or {}).items() for k, v in kv.items() if v and is_secret(s, k, secret_keys)}


# ----------------------------------------------------------------------------------------------- desired state
def merge(current, wanted, purge):
    """The Annex after the change: ``wanted`` over ``current``.

    With ``purge`` every section named in ``wanted`` becomes exactly its keys there; sections not named in
    ``wanted`` belong to other products (another Genesys service keeps ``general`` in the same transaction) and are
    never touched. Sections left without a key are dropped (an empty section carries nothing EXCS could read).
    """
    result = copy.deepcopy(current or {})
    for section, keys in wanted.items():
        if purge:
            result[section] = dict(keys)
        else:
            result.setdefault(section, {}).update(keys)
    return {s: kv for s, kv in result.items() if kv}


def changes(before, after):
    """Sorted list of (op, section, key) with op in add/change/remove."""
    out = []
    for section in sorted(set(before) | set(after)):
        b, a = before.get(section, {}), after.get(section, {})
        for key in sorted(set(b) | set(a)):
            if key not in b:
                out.append(("add", section, key))
            elif key not in a:
                out.append(("remove", section, key))
            elif a[key] != b[key]:
                out.append(("change", section, key))
    return out


def masked(sections, secret_keys):
    return {s: {k: (MASK if is_secret(s, k, secret_keys) else v) for k, v in kv.items()}
            for s, kv in (sections or {}).items()}


def render(obj, tenant, secret_keys, changed_secrets=()):
    """The object as diff text; secrets masked, a changed secret marked as changed."""
    if not obj:
        return ""
    lines = ["name: %s" % obj["name"], "alias: %s" % (obj.get("alias") or ""),
             "tenant: %s (dbid %s)" % (tenant, obj.get("tenantdbid")),
             "folder: %s" % obj.get("folderid"), "subtype: %s" % obj.get("subtype"), "state: %s" % obj.get("state")]
    for section in sorted(obj.get("sections", {})):
        lines.append("[%s]" % section)
        for key in sorted(obj["sections"][section]):
            value = obj["sections"][section][key]
            if is_secret(section, key, secret_keys):
                value = MASK + (" (changed)" if (section, key) in changed_secrets else "")
            lines.append("%s = %s" % (key, value))
    return "\n".join(lines) + "\n"


def public_object(obj, tenant, secret_keys):
    if not obj:
        return {}
    out = {k: obj.get(k) for k in ("dbid", "name", "alias", "tenantdbid", "folderid", "subtype", "state")}
    out["tenant"] = tenant
    out["sections"] = masked(obj.get("sections"), secret_keys)
    return out


# ---------------------------------------------------------------------------------------------------- folders
def content_type(value):
    """A folder's content type by its object-model name (``CFGTransaction``); None when not given."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    return CONTENT_TRANSACTION if text.lower() in ("cfgtransaction", "transaction") else text


def folder_class(value):
    """A folder class by its object-model name (``CFGFCDefault`` ...); None when not given."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    return {c.lower(): c for c in FOLDER_CLASSES}.get(text.lower(), text)


def folder(dbid, name, parent=None, content=None, fclass=None):
    """A folder as the backends hand it to :func:`resolve_folder` (content type and class None when unknown)."""
    return {"dbid": int(dbid), "name": name, "parent": int(parent) if parent not in (None, "") and int(parent) else None,
            "content": content_type(content), "folderclass": folder_class(fclass)}


def _paths(folders):
    by_id = {f["dbid"]: f for f in folders}

    def path(f, depth=0):
        parent = by_id.get(f.get("parent"))
        return f["name"] if parent is None or depth > 32 else path(parent, depth + 1) + "/" + f["name"]
    return {f["dbid"]: path(f) for f in folders}, by_id


def _candidates(folders, paths):
    """The folders that may hold transactions, as 'path (dbid N, class)' in path order."""
    out = []
    for f in sorted(folders, key=lambda f: (paths[f["dbid"]], f["dbid"])):
        extra = f["folderclass"] or "class not given"
        if f["content"] is None:
            extra += ", content type not given"
        out.append("%s (dbid %s, %s)" % (paths[f["dbid"]], f["dbid"], extra))
    return ", ".join(out) or "none"


def default_folder(folders, where):
    """The tenant's default Transactions folder: the one of class CFGFCDefault holding CFGTransaction; where GAX
    gives neither class nor content type, the tenant's one root folder named Transactions; else AnnexError listing
    the candidates."""
    paths, by_id = _paths(folders)
    usable = [f for f in folders if f["content"] in (CONTENT_TRANSACTION, None)]
    defaults = [f for f in usable if f["content"] == CONTENT_TRANSACTION and f["folderclass"] == FOLDER_DEFAULT]
    if len(defaults) == 1:
        return defaults[0]["dbid"]
    roots = [f for f in usable if f["folderclass"] is None and f["name"] == DEFAULT_FOLDER_NAME
             and by_id.get(f["parent"]) is None]
    if not defaults and len(roots) == 1:
        return roots[0]["dbid"]
    if defaults:
        why = "%d folders of class %s hold transactions" % (len(defaults), FOLDER_DEFAULT)
    elif roots:
        why = ("no folder is of class %s with content type %s, and %d root folders are named %s"
               % (FOLDER_DEFAULT, CONTENT_TRANSACTION, len(roots), DEFAULT_FOLDER_NAME))
    else:
        why = ("no folder is of class %s with content type %s, and no root folder without a class is named %s"
               % (FOLDER_DEFAULT, CONTENT_TRANSACTION, DEFAULT_FOLDER_NAME))
    candidates = [f for f in usable if f["content"] == CONTENT_TRANSACTION] or usable
    raise AnnexError("%s: cannot tell which folder is the tenant's default Transactions folder: %s. Candidates: "
                     "%s. Set folder to one of them (its path or dbid)." % (where, why, _candidates(candidates, paths)))


def resolve_folder(folders, wanted, where):
    """The dbid of folder ``wanted`` (None: the default one; digits: a dbid; else a name or a path like A/B) among
    the tenant's ``folders`` that hold transactions (or do not say what they hold)."""
    if wanted is None or wanted == "":
        return default_folder(folders, where)
    paths, _by_id = _paths(folders)
    usable = [f for f in folders if f["content"] in (CONTENT_TRANSACTION, None)]
    wanted = str(wanted)
    if wanted.isdigit():
        for f in usable:
            if f["dbid"] == int(wanted):
                return f["dbid"]
        raise AnnexError("%s: folder dbid %s is not a Transactions folder of the tenant (%s)."
                         % (where, wanted, _candidates(usable, paths)))
    name = wanted.strip("/")
    hits = [f for f in usable if paths[f["dbid"]] == name or ("/" not in name and f["name"] == name)]
    if len(hits) == 1:
        return hits[0]["dbid"]
    if not hits:
        raise AnnexError("%s: folder %r not found among the tenant's Transactions folders (%s)."
                         % (where, wanted, _candidates(usable, paths)))
    raise AnnexError("%s: folder %r is ambiguous; give its path or dbid (%s)." % (where, wanted, _candidates(hits, paths)))


# --------------------------------------------------------------------------------------------------- ensure
def ensure(backend, want, check_mode):
    """Bring the object to ``want`` (name, alias, tenant, folder, sections, purge, state, secret_keys).

    The alias: a new object gets ``want['alias']`` or else its name; an existing one keeps its alias unless
    ``want['alias']`` is given. An existing object without an alias (Configuration Server refuses to save one) is
    reported (``alias_missing``) and gets its alias with the next change.

    Returns a result dict (changed, dbid, object, diff, changes, alias_missing, secrets); writes nothing in check
    mode.
    """
    where = describe(want["name"], want["tenant"])
    for attempt in range(2):
        try:
            return _ensure_once(backend, want, check_mode, where)
        except NameTaken:
            if attempt:
                raise AnnexError("%s: another writer keeps creating the same name; run again." % where) from None
    raise AssertionError("unreachable")


def _ensure_once(backend, want, check_mode, where):
    secret_keys = want.get("secret_keys") or ()
    alias = check_alias(want.get("alias"), where)
    tenant_dbid = backend.tenant_dbid(want["tenant"])
    if tenant_dbid is None:
        raise AnnexError("%s: tenant %r does not exist in the Configuration Layer. Check the tenant name "
                         "(single-tenant sites: Environment)." % (where, want["tenant"]))
    current = backend.find(tenant_dbid, want["name"])
    if current and current.get("subtype") != SUBTYPE_LIST:
        raise AnnexError("%s: an object of this name exists with another type (%s, dbid %s), not %s. Rename or "
                         "remove it, or choose another name."
                         % (where, current.get("subtype"), current["dbid"], SUBTYPE_LIST))
    secrets = secret_values(want["sections"], secret_keys)
    secrets |= secret_values((current or {}).get("sections"), secret_keys)
    result = {"changed": False, "changes": [], "secrets": secrets, "alias_missing": False}
    alias_change = None
    if want["state"] == "absent":
        after = None
        if current:
            result["changed"] = True
            result["changes"] = [("remove", s, k) for s, kv in sorted(current["sections"].items()) for k in sorted(kv)]
            if not check_mode:
                backend.delete(current)
        result["dbid"] = current["dbid"] if current else None
    else:
        if current and not want.get("folder"):
            folderid = current["folderid"]
        else:
            folderid = resolve_folder(backend.folders(tenant_dbid), want.get("folder"), where)
        sections = merge(current["sections"] if current else {}, want["sections"], want.get("purge", False))
        old_alias = (current or {}).get("alias") or ""
        result["alias_missing"] = bool(current) and not old_alias.strip()
        after = {"dbid": current["dbid"] if current else None, "name": want["name"],
                 "alias": alias or (old_alias if current else want["name"]), "tenantdbid": tenant_dbid,
                 "folderid": folderid, "subtype": SUBTYPE_LIST,
                 "state": current["state"] if current else "CFGEnabled", "sections": sections}
        result["changes"] = changes(current["sections"] if current else {}, sections)
        moved = current is not None and int(folderid) != int(current["folderid"])
        if result["alias_missing"] and not after["alias"].strip() and (result["changes"] or moved):
            after["alias"] = want["name"]  # Configuration Server would refuse the change without one
        if current is not None and after["alias"] != old_alias:
            alias_change = "change alias" if old_alias.strip() else "set alias"
        if current is None:
            result["changed"] = True
            if not check_mode:
                after["dbid"] = backend.create(after)
        elif result["changes"] or alias_change or moved:
            result["changed"] = True
            if not check_mode:
                backend.update(current, after)
        result["dbid"] = after["dbid"]
    changed_secrets = {(s, k) for op, s, k in result["changes"] if op != "remove" and is_secret(s, k, secret_keys)}
    result["diff"] = {
        "before_header": where, "after_header": where,
        "before": render(current, want["tenant"], secret_keys),
        "after": render(after, want["tenant"], secret_keys, changed_secrets),
    }
    result["object"] = public_object(after, want["tenant"], secret_keys)
    result["after"] = after
    result["tenant_dbid"] = tenant_dbid
    result["changes"] = ([alias_change] if alias_change else []) + ["%s %s.%s" % c for c in result["changes"]]
    return result


def compare_readback(want, result, seen, secret_keys):
    """A list of differences between what ``ensure`` left (``result['after']``) and ``seen`` in the Config DB."""
    expected = result.get("after")
    if expected is None:
        return [] if seen is None else ["the object still exists (dbid %s)" % seen["dbid"]]
    if seen is None:
        return ["the object is missing"]
    problems = []
    if int(seen["dbid"]) != int(expected["dbid"]):
        problems.append("dbid is %s, expected %s" % (seen["dbid"], expected["dbid"]))
    if "alias" in expected and seen.get("alias") != expected["alias"]:
        problems.append("alias is %r, expected %r" % (seen.get("alias"), expected["alias"]))
    for op, section, key in changes(expected["sections"], seen["sections"]):
        shown = "value hidden" if is_secret(section, key, secret_keys) else repr(seen["sections"].get(section, {}).get(key))
        what = {"add": "unexpected key", "remove": "missing", "change": "differs"}[op]
        problems.append("%s.%s: %s (%s)" % (section, key, what, shown))
    return problems
