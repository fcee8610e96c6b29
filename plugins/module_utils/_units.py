# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The state of systemd units, read with one ``systemctl show`` (read-only). Backend of host_probe's units part:
a role asks whether its service is already running and enabled at boot before it asks systemd to make it so.

Private to this collection; the API may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError

# What systemctl show prints for each unit, in this order; the result's keys for them.
PROPERTIES = (("LoadState", "load"), ("ActiveState", "active"), ("UnitFileState", "enabled"))
# A unit name as systemd accepts it (letters, digits, ':', '_', '.', '@', '-', '\'); a leading '-' would be an option.
_NAME = re.compile(r"^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]*$")


def check_names(names, option="units"):
    """Raise ModuleError listing every one of ``names`` that is not a unit name."""
    bad = [n for n in names if not _NAME.match(n)]
    if bad:
        raise ModuleError("%s %s are not systemd unit names: give names such as apache2 or haproxy.service (letters, "
                          "digits and : _ . @ - \\, not starting with -)." % (option, ", ".join("'%s'" % n for n in bad)))


def parse(text, names):
    """{name: {load, active, enabled}} from ``systemctl show`` output for ``names``: one block per unit, in their
    order, separated by an empty line. A property systemd left out is an empty string."""
    blocks = [b for b in re.split(r"\n\s*\n", text.strip("\n")) if b.strip()] if text.strip() else []
    if len(blocks) != len(names):
        raise ValueError("systemctl show printed %d blocks for %d units" % (len(blocks), len(names)))
    units = {}
    for name, block in zip(names, blocks):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        units[name] = {key: props.get(prop, "") for prop, key in PROPERTIES}
    return units


def read(names, run_command, get_bin_path):
    """{"units": {name: {load, active, enabled}}, "error": None} for ``names`` (checked with check_names() first);
    without systemctl, or when it fails, {"units": {}, "error": why}: a role then controls its service as if it
    knew nothing."""
    if not names:
        return {"units": {}, "error": None}
    systemctl = get_bin_path("systemctl")
    if not systemctl:
        return {"units": {}, "error": "systemctl not found: the host's service manager is not systemd"}
    argv = [systemctl, "show", "--no-pager", "--property=" + ",".join(prop for prop, _key in PROPERTIES), "--"] + list(names)
    rc, out, err = run_command(argv)
    if rc != 0:
        return {"units": {}, "error": "systemctl show failed (rc %d): %s" % (rc, (err or out).strip()[:200])}
    try:
        return {"units": parse(out, list(names)), "error": None}
    except ValueError as exc:
        return {"units": {}, "error": str(exc)}
