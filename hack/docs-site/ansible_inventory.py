#!/usr/bin/env python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write the intersphinx inventory of the Ansible documentation pages that the generated pages link to.

antsibull-docs links other collections' plugins (ansible.builtin.file, community.docker...) and a few pages of the
Ansible documentation by Sphinx label, to be resolved through docs.ansible.com's intersphinx inventory. The site is
built offline, so this writes an inventory with exactly the labels the pages use and the address of each on
docs.ansible.com; a label it does not know fails the build (add it to PAGES).

usage: ansible_inventory.py RST_DIR OUTPUT
"""

from __future__ import annotations

import re
import sys
import zlib
from pathlib import Path

# Labels of the Ansible documentation (not of a plugin) that antsibull-docs' pages refer to: page and title.
PAGES = {
    "common_return_values": ("reference_appendices/common_return_values.html", "Return Values"),
    "action_plugins": ("plugins/action.html", "Action plugins"),
    "ansible_configuration_settings": ("reference_appendices/config.html", "Ansible Configuration Settings"),
}
PLUGIN = re.compile(r"ansible_collections\.([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)_(module|filter|lookup|test)\b")
REF = re.compile(r":ref:`(?:[^`<]*<)?([A-Za-z0-9_.\-/]+)>?`")


def labels(rst_dir: Path, own: str):
    """(label, page, title) of every external label the pages refer to; exit naming those it cannot place."""
    found, unknown = {}, set()
    defined = set()
    texts = [p.read_text(encoding="utf-8") for p in rst_dir.rglob("*.rst")]
    for text in texts:
        defined.update(re.findall(r"^\s*\.\. _([^:]+):\s*$", text, re.MULTILINE))
    for text in texts:
        for match in PLUGIN.finditer(text):
            namespace, collection, name, kind = match.groups()
            if "%s.%s" % (namespace, collection) == own:
                continue
            anchor = "ansible-collections-%s-%s-%s-%s" % (namespace, collection, name.replace("_", "-"), kind)
            found[match.group(0)] = ("collections/%s/%s/%s_%s.html#%s" % (namespace, collection, name, kind, anchor),
                                     "%s.%s.%s %s" % (namespace, collection, name, kind))
        for label in REF.findall(text):
            if label in defined or label.startswith("ansible_collections."):
                continue
            if label in PAGES:
                found[label] = PAGES[label]
            else:
                unknown.add(label)
    if unknown:
        sys.exit("ansible_inventory.py: no address on docs.ansible.com for the label(s) %s; add them to PAGES"
                 % ", ".join(sorted(unknown)))
    return sorted((label, page, title) for label, (page, title) in found.items())


def main() -> None:
    rst_dir, output = Path(sys.argv[1]), Path(sys.argv[2])
    lines = "".join("%s std:label -1 %s %s\n" % (label, page, title)
                    for label, page, title in labels(rst_dir, "engage_exec.recording"))
    header = b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: latest\n"
    header += b"# The remainder of this file is compressed using zlib.\n"
    output.write_bytes(header + zlib.compress(lines.encode("utf-8")))


if __name__ == "__main__":
    main()
