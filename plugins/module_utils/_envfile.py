# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private backend of the ``env_file`` module: read, edit and write a dotenv (``.env``) file in place.

The format is the one ``docker run --env-file`` reads: one ``KEY=VALUE`` per line, split on the first ``=``, the value
taken verbatim (no quote removal, no escapes, no inline comments), leading blanks ignored, lines whose first non-blank
character is ``#`` and blank lines ignored, a bare ``KEY`` line meaning "take KEY from the environment".  A leading
``export `` (shell and docker compose style) is accepted as well.

Everything is done on text decoded with ``surrogateescape``, so that a line we do not touch is written back byte for
byte, whatever its encoding, its line ending or its missing final newline.
"""

from __future__ import annotations

import grp
import os
import pwd
import re

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError

MASK = "********"
KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
DEFAULT_SECRET_KEY_PATTERN = r"(?i)(passw|secret|token|private|credential|api_?key)"

# prefix: an optional UTF-8 BOM (first line), leading blanks, an optional "export " keyword.
_LINE_RE = re.compile(r"(?P<prefix>\ufeff?[^\S\n]*(?:export[ \t]+(?=[^\s=#]))?)(?P<rest>.*)\Z", re.S)
_FORBIDDEN = (("\n", "a newline"), ("\r", "a carriage return"), ("\x00", "a NUL byte"))


class EnvFileError(ModuleError):
    """An expected failure; the message is meant for the user and never holds a value."""


class Line:
    """One physical line: ``body`` (without its end of line) and ``eol`` ('\\n', '\\r\\n', '\\r' or '').

    ``kind`` is ``assign`` (KEY=VALUE), ``bare`` (KEY alone: docker takes it from the environment), ``other``
    (comment, blank) or ``invalid`` (docker would refuse it: blanks in the name, no name).
    """

    __slots__ = ("body", "eol", "kind", "prefix", "key", "value")

    def __init__(self, body, eol, kind="other", prefix="", key=None, value=None):
        self.body = body
        self.eol = eol
        self.kind = kind
        self.prefix = prefix
        self.key = key
        self.value = value

    @property
    def text(self):
        return self.body + self.eol

    def __repr__(self):
        return "Line(%r, %r, kind=%r, key=%r)" % (self.body, self.eol, self.kind, self.key)


def parse_line(body, eol=""):
    """Classify one line body the way docker's env-file reader does."""
    m = _LINE_RE.match(body)
    prefix, rest = m.group("prefix"), m.group("rest")
    if not rest or rest.startswith("#"):
        return Line(body, eol)
    key, sep, value = rest.partition("=")
    if not key or any(c.isspace() for c in key):
        return Line(body, eol, kind="invalid")
    if not sep:
        return Line(body, eol, kind="bare", prefix=prefix, key=key)
    return Line(body, eol, kind="assign", prefix=prefix, key=key, value=value)


def parse(text):
    """Split ``text`` into :class:`Line` objects; ``render(parse(t)) == t`` for every ``t``."""
    lines = []
    if not text:
        return lines
    chunks = text.split("\n")
    last = chunks.pop()
    for chunk in chunks:
        if chunk.endswith("\r"):
            lines.append(parse_line(chunk[:-1], "\r\n"))
        else:
            lines.append(parse_line(chunk, "\n"))
    if last:
        if last.endswith("\r"):
            lines.append(parse_line(last[:-1], "\r"))
        else:
            lines.append(parse_line(last, ""))
    return lines


def render(lines):
    return "".join(line.text for line in lines)


def decode(data):
    return data.decode("utf-8", errors="surrogateescape")


def encode(text):
    return text.encode("utf-8", errors="surrogateescape")


def render_value(key, value):
    """The text docker will see for ``value``: strings verbatim, booleans ``true``/``false``, numbers in decimal."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = str(value)
    elif isinstance(value, str):
        text = value
    elif value is None:
        raise EnvFileError("values.%s is null. Give '' for an empty value, or list %s in absent to remove it."
                           % (key, key))
    else:
        raise EnvFileError("values.%s is a %s; a .env value must be a string, a number or a boolean."
                           % (key, type(value).__name__))
    for char, name in _FORBIDDEN:
        if char in text:
            raise EnvFileError("values.%s contains %s; docker's env-file format holds one KEY=VALUE per line and "
                               "cannot carry it. Remove it from the value." % (key, name))
    return text


def check_key(key, where):
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise EnvFileError("%s: %r is not a valid variable name (letters, digits and _, not starting with a digit)."
                           % (where, key))


def validate(values, absent, marker=None):
    """Check the request before anything is read or written; returns {key: rendered value}.

    Every problem is reported at once, each naming its key (never its value).
    """
    problems = []
    rendered = {}
    for key, value in (values or {}).items():
        try:
            check_key(key, "values")
            rendered[key] = render_value(key, value)
        except EnvFileError as exc:
            problems.append(str(exc))
    for key in absent or []:
        try:
            check_key(key, "absent")
        except EnvFileError as exc:
            problems.append(str(exc))
    both = [k for k in (values or {}) if k in set(absent or [])]
    if both:
        problems.append("%s both in values and in absent; a key is either set or removed."
                        % ", ".join(sorted(both)))
    if marker is not None:
        if not marker.startswith("#") or any(c in marker for c in "\r\n\x00"):
            problems.append("marker must be a single comment line starting with '#'.")
    if problems:
        raise EnvFileError(" ".join(problems))
    return rendered


_SYMBOLIC_MODE_RE = re.compile(r"[ugoa]*[-+=][rwxXstugo]*(?:[-+=][rwxXstugo]*)*\Z")


def check_attributes(mode, owner, group):
    """Refuse a mode, owner or group that could not be applied, before the file is written."""
    problems = []
    if mode is not None:
        text = str(mode)
        if isinstance(mode, int) and not isinstance(mode, bool):
            ok = 0 <= mode <= 0o7777
        elif text.isdigit():
            ok = all(c in "01234567" for c in text) and int(text, 8) <= 0o7777
        else:
            ok = bool(text) and all(_SYMBOLIC_MODE_RE.match(part) for part in text.split(","))
        if not ok:
            problems.append("mode %r is neither an octal mode such as '0600' nor a symbolic one such as 'u=rw,go='."
                            % (mode,))
    for name, value, lookup in (("owner", owner, pwd.getpwnam), ("group", group, grp.getgrnam)):
        if value is None or str(value).isdigit():
            continue
        try:
            lookup(value)
        except KeyError:
            problems.append("%s %r does not exist on this host." % (name, value))
    if problems:
        raise EnvFileError(" ".join(problems))


class Plan:
    """The outcome of :func:`plan`: the new text and what changed, by key (keys only, never values)."""

    __slots__ = ("before", "after", "lines_before", "lines_after", "added", "updated", "removed", "duplicates",
                 "invalid_lines")

    def __init__(self):
        self.before = ""
        self.after = ""
        self.lines_before = []
        self.lines_after = []
        self.added = []
        self.updated = []
        self.removed = []
        self.duplicates = []
        self.invalid_lines = []

    @property
    def changed(self):
        return self.before != self.after

    @property
    def changed_keys(self):
        seen = []
        for key in self.updated + self.added + self.removed + self.duplicates:
            if key not in seen:
                seen.append(key)
        return seen


def _default_eol(lines):
    for line in lines:
        if line.eol in ("\n", "\r\n"):
            return line.eol
    return "\n"


def plan(text, values, absent=(), marker=None):
    """Compute the new text of a .env file.

    ``values`` maps keys to already rendered strings (see :func:`validate`).  A key defined several times is
    updated where docker reads it (its last definition) and its earlier definitions are removed; keys not yet in the
    file are appended at the end, under ``marker`` when given; ``absent`` keys are removed wherever they are.  Every
    other line is kept as it is.
    """
    result = Plan()
    result.before = text
    lines = parse(text)
    result.lines_before = lines
    result.invalid_lines = [n for n, line in enumerate(lines, 1) if line.kind == "invalid"]
    where = {}
    for index, line in enumerate(lines):
        if line.kind in ("assign", "bare"):
            where.setdefault(line.key, []).append(index)

    new = list(lines)
    drop = set()
    appended = []
    for key, value in values.items():
        indexes = where.get(key)
        if not indexes:
            result.added.append(key)
            appended.append(key)
            continue
        last = lines[indexes[-1]]
        if last.kind != "assign" or last.value != value:
            new[indexes[-1]] = Line(last.prefix + key + "=" + value, last.eol, "assign", last.prefix, key, value)
            result.updated.append(key)
        if len(indexes) > 1:
            drop.update(indexes[:-1])
            result.duplicates.append(key)
    for key in absent:
        if key in where:
            drop.update(where[key])
            result.removed.append(key)
    new = [line for index, line in enumerate(new) if index not in drop]

    if appended:
        eol = _default_eol(lines)
        block = [Line(key + "=" + values[key], eol, "assign", "", key, values[key]) for key in appended]
        at = len(new)
        if marker is not None:
            mark = [i for i, line in enumerate(new) if line.kind == "other" and line.body.strip() == marker.strip()]
            if mark:
                at = mark[-1] + 1
                while at < len(new) and new[at].kind in ("assign", "bare"):
                    at += 1
            else:
                head = []
                if new and new[-1].body.strip():
                    head.append(Line("", eol))
                block = head + [Line(marker, eol)] + block
        if at == len(new) and new and new[-1].eol in ("", "\r"):
            last = new[-1]
            new[-1] = Line(last.body, "\r\n" if last.eol == "\r" else eol, last.kind, last.prefix, last.key,
                           last.value)
        new[at:at] = block

    result.lines_after = new
    result.after = render(new)
    return result


def secret_matcher(secret_keys, pattern):
    keys = set(secret_keys or [])
    regex = re.compile(pattern) if pattern else None

    def is_secret(key):
        return key in keys or bool(regex and regex.search(key))

    return is_secret


def masked(lines, is_secret):
    """The text of ``lines`` for display: every secret value replaced by ``********``, bytes that are not UTF-8
    shown as U+FFFD (the file itself keeps them)."""
    out = []
    for line in lines:
        if line.kind == "assign" and line.value and is_secret(line.key):
            out.append(line.prefix + line.key + "=" + MASK + line.eol)
        else:
            out.append(line.text)
    return encode("".join(out)).decode("utf-8", errors="replace")


def run(params, check_mode, files, hide):
    """Everything the module does for ``params`` (docs/architecture.md, "Backend contract"): the result dict, or
    EnvFileError. ``files`` is a _fsutil.ModuleFiles; ``hide(values)`` registers secret values as no_log values, so
    that Ansible masks them in everything it prints for the task (also when this raises)."""
    path = params["path"]
    values = params["values"] or {}
    absent = params["absent"] or []
    try:
        is_secret = secret_matcher(params["secret_keys"], params["secret_key_pattern"])
    except re.error as exc:
        raise EnvFileError("secret_key_pattern is not a valid regular expression (%s)." % exc)

    # Secret values are masked everywhere Ansible prints this task (invocation, results, diff), from here on.
    hide(str(value) for key, value in values.items()
         if is_secret(key) and value is not None and not isinstance(value, bool) and str(value))

    try:
        rendered = validate(values, absent, params["marker"])
    except EnvFileError as exc:
        raise EnvFileError("%s - nothing was changed. %s" % (path, exc))
    hide(value for key, value in rendered.items() if is_secret(key) and value)

    try:
        check_attributes(params["mode"], params["owner"], params["group"])
    except EnvFileError as exc:
        raise EnvFileError("%s - nothing was changed. %s" % (path, exc))

    real = os.path.realpath(path)
    exists = os.path.lexists(real)
    if exists and not os.path.isfile(real):
        raise EnvFileError("%s - is not a regular file; give the path of the .env file itself." % path)
    if not exists:
        if not params["create"]:
            raise EnvFileError("%s - does not exist and create is false; create the file first or set create: true."
                               % path)
        parent = os.path.dirname(real) or "."
        # In check mode an earlier task that would create the folder did not run: report the file as to be created.
        if not os.path.isdir(parent) and not check_mode:
            raise EnvFileError("%s - directory %s does not exist; create it first (ansible.builtin.file)."
                               % (path, parent))

    try:
        with open(real, "rb") as handle:
            old = handle.read() if exists else b""
    except FileNotFoundError:
        old = b""
    except OSError as exc:
        raise EnvFileError("%s - cannot be read (%s); run with become or check its permissions."
                           % (path, exc.strerror))

    result_plan = plan(decode(old), rendered, absent, params["marker"])
    # The old values of listed secret keys, too (the diff masks them by key already; this covers any other echo).
    # Keys matched only by secret_key_pattern are masked in the diff alone: registering every such value (often
    # short, like "true") would blank unrelated output.
    listed = set(params["secret_keys"] or [])
    hide(line.value for line in result_plan.lines_before
         if line.kind == "assign" and line.value and line.key in listed)
    new = encode(result_plan.after)
    create = not exists and bool(new)
    write = new != old and (exists or create)

    result = dict(
        changed=write,
        path=path,
        changed_keys=result_plan.changed_keys,
        added=result_plan.added,
        updated=result_plan.updated,
        removed=result_plan.removed,
        duplicates=result_plan.duplicates,
        backup_file=None,
        diff=dict(
            before_header=path, after_header=path,
            before=masked(result_plan.lines_before, is_secret),
            after=masked(result_plan.lines_after, is_secret) if (exists or create) else "",
        ),
        warnings=[],
    )
    for key in result_plan.duplicates:
        result["warnings"].append("%s - %s was defined more than once; docker uses the last definition, which is "
                                  "kept, the earlier ones %s removed." % (path, key,
                                                                          "would be" if check_mode else "were"))
    if result_plan.invalid_lines:
        result["warnings"].append("%s - line(s) %s are not KEY=VALUE lines docker can read (blank in the name or no "
                                  "name); kept as they are."
                                  % (path, ", ".join(str(n) for n in result_plan.invalid_lines)))

    # An existing file gets its mode/owner first, so that new content is never more readable than asked for;
    # a created file is born 0600 (umask 077 in write_atomic) and gets its mode/owner right after.
    if exists:
        _set_attributes(files, path, real, params["mode"], params, result)
    if write and not check_mode:
        if exists and params["backup"]:
            result["backup_file"] = files.backup(real)
        try:
            files.write(real, new)
        except Exception as exc:  # atomic_move raises plain Exception; OSError from mkstemp/write
            raise EnvFileError("%s - could not be written (%s); check that its directory is writable (become?) "
                               "and not full. The file was not changed." % (path, exc), **_safe(result))
        if create:
            _set_attributes(files, path, real, params["mode"] or "0600", params, result)
    return result


def _set_attributes(files, path, real, mode, params, result):
    try:
        result["changed"] = files.set_attributes(real, mode, params["owner"], params["group"], result["changed"])
    except Exception as exc:  # set_*_if_different mostly call fail_json themselves
        raise EnvFileError("%s - could not set mode/owner/group (%s)." % (path, exc), **_safe(result))


def _safe(result):
    return dict((k, v) for k, v in result.items() if k not in ("changed", "msg"))
