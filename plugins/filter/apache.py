# -*- coding: utf-8 -*-
# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The webdav role's one look at Apache's module and site folders (a ``find -printf`` listing), read back here, and
the module links it has still to make."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def apache_files(lines):
    """Read the listing of the webdav role's look at Apache's folders: ``conf <name>.conf`` for each .conf file of the
    modules folder, ``entry <path> <link target>`` (target empty for a file that is not a link) for each entry of the
    other folders. Returns ``{"confs": [module names that ship a .conf], "entries": {path: link target}}``."""
    confs = []
    entries = {}
    for line in lines or []:
        kind, _sep, rest = line.partition(" ")
        if kind == "conf" and rest.endswith(".conf"):
            confs.append(rest[:-len(".conf")])
        elif kind == "entry" and rest:
            path, _sep, target = rest.partition(" ")
            entries[path] = target
        else:
            raise AnsibleFilterError("apache_files: unexpected line %r (expected 'conf <name>.conf' or "
                                     "'entry <path> <link target>')" % line)
    return {"confs": confs, "entries": entries}


def apache_module_links(found, modules, enabled_dir):
    """The link names (``<module>.load``, and ``<module>.conf`` for each module that ships one) still to make in
    ``enabled_dir`` for ``modules``: those missing, or pointing elsewhere than ``../mods-available/<name>``. ``found``
    is the result of apache_files."""
    wanted = ["%s.load" % m for m in modules] + ["%s.conf" % m for m in modules if m in found["confs"]]
    prefix = enabled_dir.rstrip("/") + "/"
    return [name for name in wanted
            if found["entries"].get(prefix + name) != "../mods-available/" + name]


class FilterModule(object):
    """Apache configuration folder filters."""

    def filters(self):
        return {"apache_files": apache_files, "apache_module_links": apache_module_links}
