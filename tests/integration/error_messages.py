# SPDX-License-Identifier: GPL-3.0-or-later
"""The distinctive failure messages the collection emits, each reduced to a stable key phrase.

Sources:
- ``module.fail_json(msg=<literal>)`` in plugins/modules and plugins/module_utils (``"..." % x``, ``"...".format()``,
  f-strings and ``"a" + "b"`` included; a message that is only a variable, such as ``str(exc)``, is not a literal);
- ``ModuleError(<literal>, ...)`` and the subclasses of it in RAISED (``raise EnvFileError(...)``): the one error
  type of the backends (docs/architecture.md, "Backend contract"), its first argument. RAISED holds the error types
  whose messages a module used to fail with as literals (fail_json, fatal); the other subclasses (AnnexError of
  cme_hybrid_transaction's backends, HtpasswdError, LockError, ExrpImageError) were always passed on as
  ``str(exc)`` and are not read yet: documenting their messages is the next step of issue 22;
- ``fatal(<literal>, ...)``: a backend that returns the message a module fails with (for host_probe to report it
  instead) builds it with a function named ``fatal``, its first argument;
- ``ansible.builtin.fail`` ``msg`` and ``ansible.builtin.assert`` ``fail_msg`` in roles/*/tasks and playbooks/.

The key phrase of a message is the start of its first piece of literal text between placeholders (``%s``, ``{}``,
``{{ ... }}``, ``{% ... %}``) that has three words or more, up to the end of its first clause (see key_phrase). A task
message built entirely in Jinja gives the strings quoted inside it, or else its task vars. docs/troubleshooting.md must
hold, on one line (one table row), every phrase of each key (compared case-insensitively, whitespace-normalised,
backticks ignored).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "troubleshooting.md"
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxX]|\{[^{}]*\}")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_EDGE = " \t\n-.,;:()'\"`"
MIN_KEY = 12  # shorter literal pieces are not distinctive enough to look up


def normalise(text: str) -> str:
    return " ".join(text.replace("`", "").split()).lower()


def _clause(piece: str) -> str:
    """The start of a piece of text, up to the end of a clause once it has four words and 20 characters (ten words
    at most): the start of a message names the object and the cause, the rest is detail that may change."""
    key = []
    for word in " ".join(piece.split()).strip(_EDGE).split(" ")[:10]:
        key.append(word)
        if len(key) >= 4 and len(" ".join(key)) >= 20 and word[-1] in ".,;:!?":
            break
    return " ".join(key).strip(_EDGE)


def key_phrase(pieces: list[str]) -> tuple[str, ...]:
    """The key of a message: the start of its first piece of three words or more, and of the next pieces while
    the key is shorter than four words or 20 characters ("%s - cannot be read (%s); run with become" gives
    ("cannot be read", "run with become or check its permissions")). Empty when the message has no such text."""
    key: list[str] = []
    for piece in pieces:
        if len(re.findall(r"\w+", piece)) < 3:
            continue
        key.append(_clause(piece))
        words = " ".join(key).split()
        if len(words) >= 4 and len(" ".join(words)) >= 20:
            break
    return tuple(key)


def _literal_pieces(node) -> list[str] | None:
    """The literal text pieces of a message expression, or None when it is not built from a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _PLACEHOLDER.split(node.value)
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _literal_pieces(node.left)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_pieces(node.left), _literal_pieces(node.right)
        if left is None and right is None:
            return None
        return (left or []) + (right or [])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _literal_pieces(node.func.value)
    return None


# The error types whose literal messages are read (see the module docstring), and the function that builds a
# failure to return (fatal).
RAISED = ("ModuleError", "EnvFileError", "ConfigFilesError", "ClockUnchecked", "fatal")


def module_messages() -> list[tuple[str, tuple[str, ...]]]:
    """(file:line, key) for every literal fail_json, ModuleError or fatal message (also ``msg = "...";
    module.fail_json(msg=msg)``)."""
    found = []
    for path in sorted(ROOT.glob("plugins/module*/*.py")):
        tree = ast.parse(path.read_text())
        for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Module))]:
            assigned = [(n.lineno, n.targets[0].id, n.value) for n in ast.walk(func)
                        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)]
            for node in ast.walk(func):
                if not isinstance(node, ast.Call):
                    continue
                if isinstance(node.func, ast.Attribute) and node.func.attr == "fail_json":
                    values = [kw.value for kw in node.keywords if kw.arg == "msg"]
                elif isinstance(node.func, ast.Name) and node.func.id in RAISED:
                    values = node.args[:1]
                else:
                    continue
                for value in values:
                    if isinstance(value, ast.Name):
                        earlier = [v for line, name, v in assigned if name == value.id and line < node.lineno]
                        value = earlier[-1] if earlier else value
                    pieces = _literal_pieces(value)
                    if pieces is not None:
                        found.append(("%s:%d" % (path.relative_to(ROOT), node.lineno), key_phrase(pieces)))
    return sorted(set(found))


def _tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        yield node
        for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"):
            if key in node:
                yield from _tasks(node[key])


def _jinja_strings(text: str) -> list[str]:
    """The quoted string literals inside the Jinja blocks of ``text``."""
    out = []
    for block in _JINJA.findall(text):
        out += [m.group(2) for m in re.finditer(r"(['\"])((?:(?!\1).)*)\1", block)]
    return out


def _task_key(text: str, task: dict) -> tuple[str, ...]:
    """Key phrase of a task message: its literal text, else the strings inside its Jinja, else its task vars."""
    key = key_phrase(_JINJA.split(text)) or key_phrase(_jinja_strings(text))
    for value in (task.get("vars") or {}).values():
        if key:
            break
        if isinstance(value, str):
            key = key_phrase(_JINJA.split(value))
    return key


def task_messages() -> list[tuple[str, tuple[str, ...]]]:
    """(file: task name, key phrase) for every fail msg and assert fail_msg in roles/*/tasks and playbooks/."""
    found = []
    files = sorted(ROOT.glob("roles/*/tasks/**/*.yml")) + sorted(ROOT.glob("playbooks/**/*.yml"))
    for path in files:
        for task in _tasks(yaml.safe_load(path.read_text()) or []):
            text = None
            for action in ("ansible.builtin.fail", "fail"):
                if isinstance(task.get(action), dict):
                    text = task[action].get("msg")
            for action in ("ansible.builtin.assert", "assert"):
                if isinstance(task.get(action), dict):
                    text = task[action].get("fail_msg")
            if isinstance(text, str):
                found.append(("%s: %s" % (path.relative_to(ROOT), task.get("name", "?")), _task_key(text, task)))
    return found


def all_messages() -> list[tuple[str, tuple[str, ...]]]:
    return module_messages() + task_messages()


def missing() -> list[str]:
    """The messages without an entry: no line of docs/troubleshooting.md holds all the phrases of their key."""
    lines = [normalise(line) for line in DOC.read_text().splitlines()]
    out = []
    for where, key in all_messages():
        if not key:
            out.append("%s: no literal text to look up; give the message a fixed start" % where)
        elif not any(all(normalise(k) in line for k in key) for line in lines):
            out.append("%s: %s" % (where, " ... ".join(key)))
    return out


if __name__ == "__main__":
    for where, key in all_messages():
        print("%-70s %s" % (where[:70], " ... ".join(key)))
