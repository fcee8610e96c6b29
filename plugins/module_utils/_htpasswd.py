# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The exact set of users of an Apache password file, through the htpasswd program (bcrypt hashes).

A password is never compared by reading hashes here: `htpasswd -v` verifies it, so a user whose password still verifies
keeps its hash (bcrypt salts every hash: rewriting it would report a change on every run). Passwords go to htpasswd
on stdin, never on its command line.
"""

from __future__ import annotations

import os

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError

# Exit codes of `htpasswd -v`: the password verifies / does not / the user is not in the file.
VERIFY_OK, VERIFY_MISMATCH, VERIFY_NOT_FOUND = 0, 3, 6
MAX_NAME = 255


class HtpasswdError(ModuleError):
    """The password file or the htpasswd program cannot do what was asked."""


def read_names(path):
    """The user names of a password file, in file order, each once ([] when the file does not exist)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise HtpasswdError("cannot read %s: %s" % (path, exc.strerror)) from exc
    names = []
    for line in data.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name = line.split(":", 1)[0]
            if name not in names:
                names.append(name)
    return names


def input_errors(users):
    """What is wrong with a {name: password} mapping, one message per problem (passwords never quoted)."""
    errors = []
    for name, password in users.items():
        if not name or len(name) > MAX_NAME or any(c in name for c in ":\r\n\t ") or name.startswith("#"):
            errors.append("user name %r - use 1 to %d characters without ':', blanks or a leading '#'"
                          % (name, MAX_NAME))
        if password is None or str(password) == "":
            errors.append("user %r has an empty password" % name)
        elif any(c in str(password) for c in "\r\n"):
            errors.append("the password of user %r contains a line break (htpasswd reads one line)" % name)
    return errors


def plan(names_in_file, users, exclusive, verify):
    """{added, updated, removed}: the names to add, to give a new hash, to delete. ``verify(name, password)`` is asked
    only for users already in the file."""
    added, updated = [], []
    for name, password in users.items():
        if name not in names_in_file:
            added.append(name)
        elif not verify(name, password):
            updated.append(name)
    removed = [name for name in names_in_file if name not in users] if exclusive else []
    return {"added": added, "updated": updated, "removed": removed}


class Htpasswd:
    """The htpasswd program on one password file; ``run`` is AnsibleModule.run_command (or the same signature)."""

    def __init__(self, binary, path, run):
        self.binary, self.path, self.run = binary, path, run

    def _call(self, args, password=None, accept=(0,)):
        """Run htpasswd with ``args`` (``password`` on stdin); its exit code, which must be one of ``accept``."""
        if not self.binary:
            raise HtpasswdError("the htpasswd program is not installed (Debian: apache2-utils, RedHat: httpd-tools); "
                                "install it or set the htpasswd option to its path")
        if password is None:
            rc, dummy, err = self.run([self.binary] + args)
        else:
            rc, dummy, err = self.run([self.binary] + args, data=str(password))
        if rc not in accept:
            raise HtpasswdError("htpasswd %s failed (rc=%d): %s" % (" ".join(args), rc, err.strip()))
        return rc

    def verify(self, name, password):
        """True when ``password`` verifies for ``name``; False when it does not or the user is missing."""
        return self._call(["-v", "-i", self.path, name], password,
                          accept=(VERIFY_OK, VERIFY_MISMATCH, VERIFY_NOT_FOUND)) == VERIFY_OK

    def set(self, name, password):
        """Add ``name`` or give it a new bcrypt hash of ``password``."""
        self._call(["-B", "-i", self.path, name], password)

    def delete(self, name):
        """Remove ``name`` from the file."""
        self._call(["-D", self.path, name])


def create_empty(path):
    """Create ``path`` as an empty file readable by its owner only (nothing when it exists by now)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise HtpasswdError("cannot create %s: %s" % (path, exc.strerror)) from exc


def diff_text(names, changes):
    """The user list before or after, one name per line; a user whose password changes is marked so in ``after``."""
    return "".join("%s%s\n" % (name, " (new password)" if name in changes.get("updated", []) else "")
                   for name in names)


def ensure(htpasswd, users, exclusive, create, check_mode):
    """Make the file hold exactly ``users`` (or at least them without ``exclusive``). Returns
    (changed, changes, diff)."""
    exists = os.path.exists(htpasswd.path)
    if not exists and not create:
        raise HtpasswdError("%s does not exist - create it first or set create=true" % htpasswd.path)
    names = read_names(htpasswd.path) if exists else []
    changes = plan(names, users, exclusive, htpasswd.verify)
    after = [name for name in names if name not in changes["removed"]] + changes["added"]
    diff = {"before_header": htpasswd.path, "after_header": htpasswd.path,
            "before": diff_text(names, {}), "after": diff_text(after, changes)}
    changed = not exists or any(changes.values())
    if changed and not check_mode:
        if not exists:
            create_empty(htpasswd.path)
        for name in changes["added"] + changes["updated"]:  # the new users first: a failure leaves the old ones
            htpasswd.set(name, users[name])
        for name in changes["removed"]:
            htpasswd.delete(name)
    return changed, changes, diff


def run(params, check_mode, run_command, get_bin_path, files):
    """The htpasswd_users module's result for ``params`` (docs/architecture.md, "Backend contract"), or
    HtpasswdError. ``files`` is a _fsutil.ModuleFiles; owner, group, mode and the other file arguments go through
    it."""
    users = {str(name): ("" if password is None else str(password)) for name, password in params["users"].items()}
    errors = input_errors(users)
    if errors:
        raise HtpasswdError("users - %s. Nothing was changed." % "; ".join(errors))
    binary = params["htpasswd"] or get_bin_path("htpasswd")
    if binary and not os.access(binary, os.X_OK):
        binary = None
    changed, changes, diff = ensure(Htpasswd(binary, params["path"], run_command), users, params["exclusive"],
                                    params["create"], check_mode)
    if os.path.exists(params["path"]):  # not yet in check mode, when it is to be created
        changed = files.set_attributes(params["path"], params["mode"], params["owner"], params["group"], changed,
                                       common=params)
    return dict(changes, changed=changed, diff=diff)
