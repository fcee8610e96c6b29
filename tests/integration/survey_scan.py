# SPDX-License-Identifier: GPL-3.0-or-later
"""Static scan: every use of a boolean/integer/float input goes through a cast (AWX surveys send strings).

The typed inputs are the role options whose type in ``roles/*/meta/argument_specs.yml`` is bool, int or float, and the
playbook-level inputs listed in PLAYBOOK_INPUTS. A *use* is an occurrence of the variable's name inside a Jinja
expression: ``{{ }}`` / ``{% %}`` blocks anywhere in roles/*/{tasks,handlers,vars,templates} and playbooks/, and the
bare expressions of ``when``, ``that``, ``changed_when``, ``failed_when``, ``until`` and ``serial``. A use is cast when
the name is followed, after optional ``| default(...)`` / ``| d(...)``, by the filter of its type (``| bool``,
``| int``, ``| float``; for an integer or a float also ``| string``, which makes "2" and 2, "0.8" and 0.8 the same text
for a check in Python that parses it), or is only tested for
definedness (``is defined``, ``is undefined``, ``is none``...).
One use needs no cast: a number printed into text, ``{{ name }}`` alone inside a longer string or in a template
(``http://127.0.0.1:{{ port }}/``, ``(now '{{ port }}')``), renders the same for "2" and 2. A boolean never: "false"
and false print differently, and a whole-scalar ``"{{ name }}"`` passes the value on with its type.
Role defaults are declarations, not uses, and are not scanned.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

# Inputs read by the playbooks (or by the inventory filters) rather than by one role.
PLAYBOOK_INPUTS = {
    "exec_exrp_serial": "int",            # site.yml: EXRP nodes changed at once (serial)
    "exec_allow_single_exrp": "bool",     # validate.yml: accept one EXRP host (labs)
    "exec_http_lb_excp_port": "int",      # HTTP_LB_EXCP_PORT, default of the load balancer / exec_services ports
    "exec_lock_enabled": "bool",          # lock_acquire.yml / lock_release.yml: the deployment lock
    "exec_lock_break": "bool",
    "exec_lock_ttl": "int",
}

CASTS = {"bool": {"bool"}, "int": {"int", "string"}, "float": {"float", "int", "string"}}
EXPRESSION_KEYS = {"when", "that", "changed_when", "failed_when", "until", "serial"}
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_BLOCK = re.compile(r"\{\{(.*?)\}\}|\{%-?(.*?)-?%\}", re.S)
_DEFAULT = re.compile(r"\s*\|\s*(?:default|d)\s*\(")
_CAST = re.compile(r"\s*\|\s*(\w+)")
_TEST = re.compile(r"\s+is\s+(?:not\s+)?(defined|undefined|none|sameas)\b")


def typed_inputs() -> dict[str, str]:
    """{variable: bool|int|float} for every typed role option and playbook input."""
    found = dict(PLAYBOOK_INPUTS)
    for spec_file in sorted(ROOT.glob("roles/*/meta/argument_specs.yml")):
        spec = yaml.safe_load(spec_file.read_text())
        for entry in spec["argument_specs"].values():
            for name, option in (entry.get("options") or {}).items():
                if option.get("type") in CASTS:
                    found[name] = option["type"]
    return found


def _skip_parens(text: str, i: int) -> int:
    """Index just after the parenthesis that closes the one opened before ``i``."""
    depth = 1
    while i < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    return i


def uncast_uses(expression: str, inputs: dict[str, str], printed: bool = False) -> list[str]:
    """Names of typed inputs that ``expression`` (Jinja, without delimiters) uses without their cast.

    ``printed``: the expression is a ``{{ }}`` block rendered into a longer text, so a bare number needs no cast.
    """
    text = _STRING.sub("''", expression)
    if printed and inputs.get(text.strip()) in ("int", "float"):
        return []
    bad = []
    for m in re.finditer(r"(?<![\w.])([a-z_][a-z0-9_]*)\b", text):
        name = m.group(1)
        if name not in inputs:
            continue
        i = m.end()
        if _TEST.match(text, i):
            continue
        while True:
            d = _DEFAULT.match(text, i)
            if not d:
                break
            i = _skip_parens(text, d.end())
        c = _CAST.match(text, i)
        if not (c and c.group(1) in CASTS[inputs[name]]):
            bad.append(name)
    return bad


def _expressions_in_text(text: str, template: bool = False):
    """(line offset, expression, printed) for every Jinja block of ``text``."""
    for m in _BLOCK.finditer(text):
        line = text.count("\n", 0, m.start())
        if m.group(1) is None:
            yield line, m.group(2), False
        else:
            yield line, m.group(1), template or m.group(0).strip() != text.strip()


def _walk(node, key=None):
    """(line, expression, printed) for every Jinja expression in a YAML node tree."""
    if isinstance(node, yaml.ScalarNode):
        if not isinstance(node.value, str):
            return
        if key in EXPRESSION_KEYS and "{{" not in node.value:
            yield node.start_mark.line, node.value, False
        else:
            for offset, expr, printed in _expressions_in_text(node.value):
                yield node.start_mark.line + offset, expr, printed
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, key)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield from _walk(v, k.value if isinstance(k, yaml.ScalarNode) else None)


def scanned_files() -> list[Path]:
    files = []
    for sub in ("tasks", "handlers", "vars", "templates"):
        files += ROOT.glob("roles/*/%s/**/*" % sub)
    files += ROOT.glob("playbooks/**/*.yml")
    files += [ROOT / "site.yml"]
    return sorted(f for f in files if f.is_file())


def scan() -> list[str]:
    """``file:line: name (type) used without | cast: expression`` for every uncast use."""
    inputs = typed_inputs()
    problems = []
    for path in scanned_files():
        text = path.read_text()
        if path.suffix in (".yml", ".yaml"):
            exprs = [] if not text.strip() else list(_walk(yaml.compose(text, Loader=yaml.SafeLoader)))
        else:
            exprs = list(_expressions_in_text(text, template=True))
        for line, expr, printed in exprs:
            for name in uncast_uses(expr, inputs, printed):
                problems.append("%s:%d: %s (%s) used without | %s: %s" % (
                    path.relative_to(ROOT), line + 1, name, inputs[name], inputs[name], " ".join(expr.split())))
    return problems


if __name__ == "__main__":
    for p in scan():
        print(p)
