#!/usr/bin/env python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write (or, with --check, verify) the variable table of every role README from its meta/argument_specs.yml.

The table sits between two marker comments; everything else in the README is the author's. `make docs` writes,
`make test` checks, so a README cannot drift from the argument spec that Ansible enforces.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

BEGIN = "<!-- BEGIN ROLE VARIABLES: generated from meta/argument_specs.yml by hack/role-docs.py, do not edit -->"
END = "<!-- END ROLE VARIABLES -->"
ROOT = Path(__file__).resolve().parents[1]


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(spec: dict) -> str:
    if "default" not in spec:
        return "*required*" if spec.get("required") else ""
    value = spec["default"]
    shown = value if isinstance(value, str) else json.dumps(value)
    return "`%s`" % _cell(shown) if shown != "" else '`""`'


def _type(spec: dict) -> str:
    kind = spec.get("type", "str")
    if kind == "list" and spec.get("elements"):
        kind = "list of %s" % spec["elements"]
    if spec.get("choices"):
        kind += " (one of %s)" % ", ".join("`%s`" % c for c in spec["choices"])
    return kind


def _rows(options: dict, prefix: str = ""):
    for name in options:
        spec = options[name] or {}
        desc = spec.get("description", "")
        if isinstance(desc, list):
            desc = " ".join(desc)
        yield "| `%s%s` | %s | %s | %s |" % (prefix, name, _type(spec), _default(spec), _cell(desc))
        if spec.get("options"):
            sub = prefix + name + ("[].") if spec.get("type") == "list" else prefix + name + "."
            yield from _rows(spec["options"], sub)


def render(role_dir: Path) -> str:
    specs = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    parts = [BEGIN]
    for entry, spec in specs.items():
        if len(specs) > 1 or entry != "main":
            parts.append("\nEntry point `%s`: %s\n" % (entry, _cell(spec.get("short_description", ""))))
        parts.append("| variable | type | default | description |")
        parts.append("|---|---|---|---|")
        parts.extend(_rows(spec.get("options") or {}))
    parts.append(END)
    return "\n".join(parts)


def updated_readme(role_dir: Path) -> tuple[str, str]:
    readme = role_dir / "README.md"
    old = readme.read_text() if readme.exists() else "# engage_exec.recording.%s\n" % role_dir.name
    table = render(role_dir)
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + table + rest.split(END, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n## Variables\n\n" + table + "\n"
    return old, new


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when a README differs from its argument spec")
    parser.add_argument("roles", nargs="*", help="only these roles (default: all)")
    args = parser.parse_args()
    stale = []
    for role_dir in sorted(p for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists()
                           and (not args.roles or p.name in args.roles)):
        old, new = updated_readme(role_dir)
        if old != new:
            stale.append(role_dir.name)
            if not args.check:
                (role_dir / "README.md").write_text(new)
    if args.check and stale:
        print("Role READMEs out of date with meta/argument_specs.yml: %s. Run `make docs`." % ", ".join(stale))
        return 1
    print("role docs: %s" % ("updated " + ", ".join(stale) if stale and not args.check else "up to date"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
