# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether some packages are installed, from one read of the package database (dpkg-query, else rpm). Backend of
host_probe's packages part.

Private to this collection; the API may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError

# A name, with a Debian ":arch" or an RPM ".arch" allowed; never an option (no leading "-"), never a pattern.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+:-]*$")
# (manager, program), in the order they are looked for.
MANAGERS = (("dpkg", "dpkg-query"), ("rpm", "rpm"))
DPKG_FORMAT = "${Package} ${Architecture} ${db:Status-Abbrev}\n"
RPM_FORMAT = "%{NAME} %{ARCH}\n"
NO_MANAGER = "no dpkg-query or rpm on this host"


def check_names(names, option="packages"):
    """Raise ModuleError listing every one of ``names`` that is not a package name."""
    bad = [n for n in names if not _NAME.match(n)]
    if bad:
        raise ModuleError("%s %s are not package names: give names such as apache2 or httpd (letters, digits, . _ + -, "
                          "with :arch or .arch if needed)." % (option, ", ".join("'%s'" % n for n in bad)))


def dpkg_installed(names, out):
    """{name: installed} from dpkg-query's DPKG_FORMAT lines. dpkg-query prints one line per known package, in its
    own order, once even when asked twice, and nothing for a name it does not know (not installed). A package is
    installed when its status (the second letter of db:Status-Abbrev) is "i": ii, also hi (held) and ri/pi (to be
    removed). ``name:arch`` must match the package's architecture too."""
    rows = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            rows.append((fields[0], fields[1], fields[2][1:2] == "i"))
    result = {}
    for name in names:
        package, _sep, arch = name.partition(":")
        result[name] = any(ok for pkg, pkg_arch, ok in rows if pkg == package and arch in ("", pkg_arch))
    return result


def rpm_installed(names, out):
    """{name: installed} from rpm -q's RPM_FORMAT lines (one per installed package; rpm says "package X is not
    installed" for the others). ``name.arch`` matches the package's architecture too."""
    rows = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 2:
            rows.add(fields[0])
            rows.add("%s.%s" % (fields[0], fields[1]))
    return {name: name in rows for name in names}


def _first_line(text):
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def answer(manager, names, installed, error=None):
    """The packages result: manager, installed (every name), missing (the names not installed, in order) and
    error. When the database could not be read (error set), every name counts as not installed."""
    installed = {name: bool(installed.get(name)) for name in names}
    missing = []
    for name in names:
        if not installed[name] and name not in missing:
            missing.append(name)
    return {"manager": manager, "installed": installed, "missing": missing, "error": error}


def query(names, run_command, get_bin_path):
    """Which of ``names`` (checked with check_names() first) are installed, asked of dpkg-query when the host has
    it, else of rpm: one command, none for an empty list. Never raises: a database that cannot be read is
    answered with its error (see answer())."""
    for manager, program in MANAGERS:
        binary = get_bin_path(program)
        if binary:
            break
    else:
        return answer(None, names, {}, NO_MANAGER)
    if not names:
        return answer(manager, names, {})
    if manager == "dpkg":
        # rc 1: some names are not known (not installed); 2 and more: dpkg-query could not run.
        rc, out, err = run_command([binary, "--show", "--showformat", DPKG_FORMAT, "--"] + list(names),
                                   expand_user_and_vars=False)
        if rc > 1:
            return answer(manager, names, {}, "dpkg-query exited with %d: %s" % (rc, _first_line(err or out)))
        return answer(manager, names, dpkg_installed(names, out))
    # rc: how many names are not installed (rpm says so on stdout); an error also writes to stderr.
    rc, out, err = run_command([binary, "--query", "--queryformat", RPM_FORMAT, "--"] + list(names),
                               expand_user_and_vars=False)
    if rc != 0 and err.strip():
        return answer(manager, names, {}, "rpm -q exited with %d: %s" % (rc, _first_line(err)))
    return answer(manager, names, rpm_installed(names, out))
