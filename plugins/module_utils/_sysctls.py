# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Kernel parameters read from /proc/sys by their dotted names, as sysctl(8) prints them (read-only; Linux).
Backend of host_probe's sysctls part.

Private to this collection; the API may change without notice.
"""

from __future__ import annotations

import os
import re

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError
from ansible_collections.engage_exec.recording.plugins.module_utils._fsutil import read_stripped

PROC_SYS = "/proc/sys"
_PART = re.compile(r"^[A-Za-z0-9_-]+$")


def check_names(names, option="sysctls"):
    """Raise ModuleError listing every one of ``names`` that is not a dotted kernel parameter name (parts of
    letters, digits, ``_`` and ``-`` joined by single dots). Nothing is read then: a ``/``, ``..`` or
    an empty part could name a file outside /proc/sys."""
    bad = [n for n in names if not all(_PART.match(part) for part in n.split("."))]
    if bad:
        raise ModuleError("%s %s are not kernel parameter names: give dotted names such as net.core.somaxconn (letters, "
                          "digits, _ and - between single dots)." % (option, ", ".join("'%s'" % n for n in bad)))


def path(name, root=PROC_SYS):
    """The /proc/sys file of the parameter ``name`` (dots as slashes)."""
    return os.path.join(root, *name.split("."))


def read_one(name, root=PROC_SYS):
    """The value of ``name`` as a string, stripped (tabs inside kept, as in net.ipv4.ip_local_port_range); None
    when it cannot be read (no such parameter, a folder, not readable by this user)."""
    return read_stripped(path(name, root))


def read(names, root=PROC_SYS):
    """{name: value or None} for ``names`` (checked with check_names() first)."""
    return {name: read_one(name, root) for name in names}
