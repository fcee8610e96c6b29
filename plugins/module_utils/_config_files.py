# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private backend of the ``config_files`` module: a set of directories, configuration files and symbolic links,
made as one change and checked by one command.

The steps are separate functions: :func:`prepare` checks the whole input (every problem at once) and
:func:`plan_directory` / :func:`plan_file` / :func:`plan_link` read what is there; :func:`apply` makes what differs
(directories first), remembering what each target was (:class:`Old`), and :func:`rollback` puts that back. :func:`run`
ties them together for the module: it returns the result or raises ConfigFilesError (docs/architecture.md, "Backend
contract"). Owner, group and mode are set through Ansible's own helpers (_fsutil.ModuleFiles); whether this user may
set them is checked with the input, so that they do not fail half-way.

A missing directory is created with its missing parents (``mkdir -p``: the parents get the umask's mode and no owner
change; owner, group and mode go to the directory named). On rollback the directories this call created are removed
again, deepest first and only when empty.

A file is written through a temporary file in its own directory, renamed over the old one; a link is made under a
temporary name and renamed over the old link. So a reader (Apache, HAProxy) sees the old or the new version of every
file, never half of one, and when the validation command fails, every file and link this call changed gets its old
bytes, mode and owner back (or is removed when it did not exist).
"""

from __future__ import annotations

import errno
import grp
import os
import pwd
import stat

from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError
from ansible_collections.engage_exec.recording.plugins.module_utils._fsutil import fsync_dir

DEFAULT_MODE = 0o644
OUTPUT_LIMIT = 2000


class ConfigFilesError(ModuleError):
    """A failure of the module; the message is meant for the user."""


class Old:
    """What a directory or file was before this call: ``None`` fields when it did not exist."""

    __slots__ = ("data", "mode", "uid", "gid")

    def __init__(self, data=None, mode=None, uid=None, gid=None):
        self.data = data
        self.mode = mode
        self.uid = uid
        self.gid = gid


class _OwnedItem:
    """What a directory and a file element share: ``path`` as given, ``real`` the path made (a symbolic link is
    followed), the owner, group and mode wanted (None: keep), what is there (``old``, set when planned) and the
    owner, group and mode that differ (``attributes``: name -> (before, after))."""

    __slots__ = ("path", "real", "mode", "uid", "gid", "old", "attributes")

    def __init__(self, path, real, mode, uid, gid):
        self.path = path
        self.real = real
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.old = None
        self.attributes = {}


class DirItem(_OwnedItem):
    """One element of ``directories``, checked: ``missing`` the directories to create, outermost first (empty when
    ``real`` exists); ``old`` an Old (mode, uid, gid) when it exists (set by plan_directory)."""

    __slots__ = ("missing", "created")

    def __init__(self, path, real, missing, mode, uid, gid):
        super().__init__(path, real, mode, uid, gid)
        self.missing = missing
        self.created = []        # the directories apply actually created, outermost first

    @property
    def changed(self):
        return bool(self.missing) or bool(self.attributes)


class FileItem(_OwnedItem):
    """One element of ``files``, checked: ``data`` the bytes to write; ``old`` an Old when the file exists (set by
    plan_file)."""

    __slots__ = ("data", "content_changed")

    def __init__(self, path, real, data, mode, uid, gid):
        super().__init__(path, real, mode, uid, gid)
        self.data = data
        self.content_changed = False

    @property
    def changed(self):
        return self.content_changed or bool(self.attributes)


class LinkItem:
    """One element of ``links``: ``path`` is made a symbolic link to ``src``."""

    __slots__ = ("path", "src", "old", "changed")

    def __init__(self, path, src):
        self.path = path
        self.src = src
        self.old = None          # the old target, or None when there was no link
        self.changed = False


# --- input ------------------------------------------------------------------------------------------------------


def parse_mode(mode):
    """The permission bits of an octal mode (V('0644'), V('644') or the integer YAML makes of 0644)."""
    if isinstance(mode, bool):
        raise ValueError
    if isinstance(mode, int):
        value = mode
    else:
        text = str(mode).strip()
        if not text or len(text) > 5 or any(c not in "01234567" for c in text):
            raise ValueError
        value = int(text, 8)
    if not 0 <= value <= 0o7777:
        raise ValueError
    return value


def resolve_id(value, lookup):
    """A user or group id from a name or a number (``lookup`` is pwd.getpwnam or grp.getgrnam); KeyError if none."""
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    entry = lookup(text)
    return entry.pw_uid if lookup is pwd.getpwnam else entry.gr_gid


def user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def octal(mode):
    return "%04o" % mode


def _parent_problem(path, check_mode, planned=()):
    """Why the parent directory of ``path`` cannot take it, or None. A directory that ``directories`` creates
    (``planned``: real paths) is accepted; in check mode any missing directory is: the task that would create it did
    not run either."""
    parent = os.path.dirname(path)
    if os.path.isdir(parent):
        return None
    if os.path.lexists(parent):
        return "%s: %s is not a directory" % (path, parent)
    if check_mode or parent in planned or os.path.realpath(parent) in planned:
        return None
    return "%s: directory %s does not exist; add it to directories (or create it first)" % (path, parent)


def _attributes(path, entry, problems):
    """(mode, uid, gid) of an element of ``files`` or ``directories`` (None when not given); problems appended."""
    mode = uid = gid = None
    if entry.get("mode") is not None:
        try:
            mode = parse_mode(entry["mode"])
        except ValueError:
            problems.append("%s: mode %r is not an octal mode such as '0644'" % (path, entry["mode"]))
    for name, lookup in (("owner", pwd.getpwnam), ("group", grp.getgrnam)):
        if entry.get(name) in (None, ""):
            continue
        try:
            number = resolve_id(entry[name], lookup)
        except KeyError:
            problems.append("%s: %s %r does not exist on this host" % (path, name, entry[name]))
            continue
        if name == "owner":
            uid = number
        else:
            gid = number
    return mode, uid, gid


def _kind(path):
    """What is at an existing ``path`` that is not a directory, for a message."""
    if os.path.islink(path):
        target = os.path.realpath(path)
        if not os.path.lexists(target):
            return "a symbolic link to %s, which does not exist" % target
        return "a symbolic link to %s, %s" % (target, _kind(target))
    return "a regular file" if os.path.isfile(path) else "a special file (device, socket or FIFO)"


def _dir_item(where, entry, problems, planned):
    """The DirItem of one ``directories`` element, or None; its problems are appended to ``problems``. The directory
    and the parents it creates are added to ``planned`` (a set of real paths) when its path is usable, so that the
    files and links of the same call may go into them."""
    path = entry.get("path")
    if not path or not os.path.isabs(path):
        problems.append("%s: path %r is not an absolute path" % (where, path))
        return None
    path = os.path.normpath(path)
    before = len(problems)
    real = os.path.realpath(path)
    missing = []
    if os.path.lexists(path) and not os.path.isdir(path):
        problems.append("%s: is %s, not a directory; remove it first or choose another path" % (path, _kind(path)))
    else:
        current = real
        while not os.path.lexists(current):
            missing.insert(0, current)
            current = os.path.dirname(current)
        if not os.path.isdir(current):
            problems.append("%s: %s is %s, not a directory" % (path, current, _kind(current)))
        else:
            planned.add(real)
            planned.update(missing)
    mode, uid, gid = _attributes(path, entry, problems)
    if len(problems) > before:
        return None
    return DirItem(path, real, missing, mode, uid, gid)


def _file_item(where, entry, check_mode, problems, planned=()):
    """The FileItem of one ``files`` element, or None; its problems are appended to ``problems``."""
    path = entry.get("path")
    if not path or not os.path.isabs(path):
        problems.append("%s: path %r is not an absolute path" % (where, path))
        return None
    before = len(problems)
    real = os.path.realpath(path)
    if os.path.isdir(real):
        problems.append("%s: is a directory" % path)
    elif os.path.lexists(real) and not os.path.isfile(real):
        problems.append("%s: is not a regular file" % path)
    else:
        problem = _parent_problem(real, check_mode, planned)
        if problem:
            problems.append(problem)
    mode, uid, gid = _attributes(path, entry, problems)
    try:
        data = to_bytes(entry.get("content") or "", errors="surrogate_or_strict")
    except UnicodeError:
        problems.append("%s: content cannot be encoded as UTF-8" % path)
        data = b""
    if len(problems) > before:
        return None
    return FileItem(path, real, data, mode, uid, gid)


def _link_item(where, entry, check_mode, problems, planned=()):
    """The LinkItem of one ``links`` element, or None; its problems are appended to ``problems``."""
    path, src = entry.get("path"), entry.get("src")
    if not path or not os.path.isabs(path):
        problems.append("%s: path %r is not an absolute path" % (where, path))
        return None
    path = os.path.normpath(path)
    before = len(problems)
    if not src:
        problems.append("%s: src (the target of the link) is empty" % path)
    if os.path.lexists(path) and not os.path.islink(path):
        kind = "a directory" if os.path.isdir(path) else "a regular file" if os.path.isfile(path) else "not a link"
        problems.append("%s: is %s, not a symbolic link; remove it first or choose another path" % (path, kind))
    else:
        problem = _parent_problem(path, check_mode, planned)
        if problem:
            problems.append(problem)
    if len(problems) > before:
        return None
    return LinkItem(path, src)


def _duplicates(directories, files, links):
    """A problem for each target named more than once (directories and files by their path and the path they make,
    links by their own path), and for a file or link at a parent directory that ``directories`` creates."""
    seen, parents, problems = {}, {}, []
    for item in directories:
        keys = (item.path, item.real)
        other = next((seen[key] for key in keys if key in seen), None)
        if other is not None:
            problems.append("%s: given more than once (also as %s)" % (item.path, other.path))
        for key in keys:
            seen.setdefault(key, item)
        for parent in item.missing[:-1]:
            parents.setdefault(parent, item)
    for item in files + links:
        key = item.real if isinstance(item, FileItem) else os.path.realpath(item.path)
        if key in parents and key not in seen:
            problems.append("%s: is a parent directory that %s creates (directories)" % (item.path, parents[key].path))
    for item in files:
        keys = (os.path.normpath(item.path), item.real)
        other = next((seen[key] for key in keys if key in seen), None)
        if other is not None:
            problems.append("%s: given more than once (also as %s)" % (item.path, other.path))
        for key in keys:
            seen.setdefault(key, item)
    for item in links:
        if item.path in seen:
            problems.append("%s: given more than once (also as %s)" % (item.path, seen[item.path].path))
        seen.setdefault(item.path, item)
    return problems


def _command_problem(argv, find_bin):
    """Why the validation command cannot run, or None. ``find_bin`` is AnsibleModule.get_bin_path."""
    if not argv or not argv[0]:
        return "validate: give the command as a list, its program first (for example ['apachectl', '-t'])"
    program = argv[0]
    if os.sep in program:
        found = program if os.path.isfile(program) and os.access(program, os.X_OK) else None
    else:
        found = find_bin(program)
    if not found:
        return "validate: program %r not found or not executable on this host" % program
    return None


def prepare(files, links, validate, check_mode, find_bin, directories=None):
    """(directory items, file items, link items, problems): the input checked in full, before anything is read or
    written."""
    problems, dir_items, file_items, link_items, planned = [], [], [], [], set()
    for index, entry in enumerate(directories or []):
        item = _dir_item("directories[%d]" % index, entry, problems, planned)
        if item:
            dir_items.append(item)
    for index, entry in enumerate(files or []):
        item = _file_item("files[%d]" % index, entry, check_mode, problems, planned)
        if item:
            file_items.append(item)
    for index, entry in enumerate(links or []):
        item = _link_item("links[%d]" % index, entry, check_mode, problems, planned)
        if item:
            link_items.append(item)
    problems.extend(_duplicates(dir_items, file_items, link_items))
    if validate is not None and not check_mode:
        problem = _command_problem(validate, find_bin)
        if problem:
            problems.append(problem)
    return dir_items, file_items, link_items, problems


def input_failure(problems):
    return "config_files: the files were not written, %d problem%s in the input: %s. Nothing was changed." % (
        len(problems), "" if len(problems) == 1 else "s", "; ".join(problems))


# --- plan -------------------------------------------------------------------------------------------------------


def read_old(path):
    """The Old state of a regular file, or None when it does not exist. OSError when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            st = os.fstat(handle.fileno())
            data = handle.read()
    except FileNotFoundError:
        return None
    return Old(data=data, mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid)


def _differences(old, item):
    """name -> (before, after), shown as text, of the owner, group and mode that ``item`` gives and ``old`` differs
    in."""
    wanted = (("owner", old.uid, item.uid, user_name), ("group", old.gid, item.gid, group_name),
              ("mode", old.mode, item.mode, octal))
    return dict((name, (show(before), show(after))) for name, before, after, show in wanted
                if after is not None and before != after)


def plan_directory(item):
    """Fill in ``item.old`` and ``attributes`` from the directory on disk (nothing to read when it is missing)."""
    if item.missing:
        return item
    st = os.stat(item.real)
    item.old = Old(mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid)
    item.attributes = _differences(item.old, item)
    return item


def plan_file(item):
    """Fill in ``item.old``, ``content_changed`` and ``attributes`` from the file on disk."""
    item.old = read_old(item.real)
    if item.old is None:
        item.content_changed = True
        return item
    item.content_changed = item.old.data != item.data
    item.attributes = _differences(item.old, item)
    return item


def plan_link(item):
    """Fill in ``item.old`` (the current target) and ``item.changed``."""
    item.old = os.readlink(item.path) if os.path.islink(item.path) else None
    item.changed = item.old != item.src
    return item


def attribute_problem(item, euid=None, groups=None):
    """Why this user cannot give a planned directory or file the owner, group or mode asked, or None: only root
    changes an owner, and changes the group or mode of what someone else owns; the owner may give a group he is in.
    Checked before anything is written, so that the attribute helpers do not fail half-way."""
    euid = os.geteuid() if euid is None else euid
    if euid == 0:
        return None
    groups = set(os.getgroups()) | {os.getegid()} if groups is None else groups
    owner = euid if item.old is None else item.old.uid
    wants = []
    if item.uid is not None and item.uid != owner:
        wants.append("owner %s" % user_name(item.uid))
    if item.gid is not None and (item.old is None or item.gid != item.old.gid) and (
            item.gid not in groups or owner != euid):
        wants.append("group %s" % group_name(item.gid))
    if item.old is not None and owner != euid and "mode" in item.attributes:
        wants.append("mode %s" % octal(item.mode))
    if not wants:
        return None
    return "%s: cannot be given %s by this user (%s), only by root or its owner; run with become" % (
        item.path, " and ".join(wants), user_name(euid))


def plan(file_items, link_items, dir_items=()):
    """Read every target; problems (a file that cannot be read, an owner this user cannot give) are returned,
    nothing raises."""
    problems = []
    for planner, items in ((plan_directory, dir_items), (plan_file, file_items)):
        for item in items:
            try:
                planner(item)
            except OSError as exc:
                problems.append("%s: cannot be read (%s); run with become or check its permissions"
                                % (item.path, exc.strerror))
                continue
            problem = attribute_problem(item)
            if problem:
                problems.append(problem)
    for item in link_items:
        try:
            plan_link(item)
        except OSError as exc:
            problems.append("%s: cannot read the link (%s)" % (item.path, exc.strerror))
    return problems


def changed_items(file_items, link_items, dir_items=()):
    return [item for item in list(dir_items) + file_items + link_items if item.changed]


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _attribute_entry(item):
    header = "%s (%s)" % (item.path, ", ".join(sorted(item.attributes)))
    return dict(before_header=header, after_header=header,
                before="".join("%s: %s\n" % (k, v[0]) for k, v in sorted(item.attributes.items())),
                after="".join("%s: %s\n" % (k, v[1]) for k, v in sorted(item.attributes.items())))


def _new_directory_entry(item):
    """``absent`` -> ``directory`` with the mode it gets (given, else the umask's) and the owner and group given."""
    mode = item.mode if item.mode is not None else 0o777 & ~_umask()
    after = "directory\nmode: %s\n" % octal(mode)
    if item.uid is not None:
        after += "owner: %s\n" % user_name(item.uid)
    if item.gid is not None:
        after += "group: %s\n" % group_name(item.gid)
    if len(item.missing) > 1:
        after += "parents created: %s\n" % ", ".join(item.missing[:-1])
    return dict(before_header=item.path, after_header=item.path, before="absent\n", after=after)


def diff_entries(file_items, link_items, dir_items=()):
    """One before/after entry per created directory, changed content or link, one more per directory or file whose
    owner, group or mode change."""
    entries = []
    for item in dir_items:
        if item.missing:
            entries.append(_new_directory_entry(item))
        elif item.attributes:
            entries.append(_attribute_entry(item))
    for item in file_items:
        if item.content_changed:
            before = "" if item.old is None else to_text(item.old.data, errors="surrogate_then_replace")
            entries.append(dict(before_header=item.path, after_header=item.path, before=before,
                                after=to_text(item.data, errors="surrogate_then_replace")))
        if item.attributes:
            entries.append(_attribute_entry(item))
    for item in link_items:
        if item.changed:
            entries.append(dict(before_header=item.path, after_header=item.path,
                                before="" if item.old is None else "link -> %s\n" % item.old,
                                after="link -> %s\n" % item.src))
    return entries


# --- apply and roll back ----------------------------------------------------------------------------------------


def set_attributes(files, path, uid, gid, mode):
    """Give ``path`` the owner, group and mode asked (None: kept), where they differ, through Ansible's helpers."""
    files.set_attributes(path, mode, None if uid is None else str(uid), None if gid is None else str(gid))


def replace_link(path, target):
    """Make ``path`` a symbolic link to ``target`` in one rename (a link under a temporary name first)."""
    directory = os.path.dirname(path)
    for dummy in range(10):
        tmp = os.path.join(directory, ".%s.%s.tmp" % (os.path.basename(path), os.urandom(6).hex()))
        try:
            os.symlink(target, tmp)
            break
        except FileExistsError:
            continue
    else:
        raise OSError(errno.EEXIST, "no free temporary name in %s" % directory)
    try:
        os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    fsync_dir(directory)


def remove(path):
    if os.path.lexists(path):
        os.unlink(path)
        fsync_dir(os.path.dirname(path))


def apply_directory(files, item):
    """Create the missing directories (outermost first; ``item.created`` gets each one this call made), then give the
    directory its owner, group and mode. The parents keep the umask's mode and the process's owner."""
    for path in item.missing:
        try:
            # the directory named is made private until its own mode is set: nobody enters it in between
            os.mkdir(path, 0o700 if path == item.real and item.mode is not None else 0o777)
        except FileExistsError:
            if os.path.isdir(path):  # made meanwhile (by an earlier element of directories): not ours to remove
                continue
            raise
        item.created.append(path)
        fsync_dir(os.path.dirname(path))
    set_attributes(files, item.real, item.uid, item.gid, item.mode)


def _entries(path, limit=5):
    """The first names in a directory, for a message."""
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return "files"
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


class NotEmpty(Exception):
    """A directory this call created holds something it did not put there: it is left in place."""


def restore_directory(files, item):
    """Remove the directories this call created, deepest first, only when empty; else revert owner, group and
    mode. NotEmpty when a created directory holds files of someone else (it and its parents stay)."""
    if item.old is not None:
        set_attributes(files, item.real, item.old.uid, item.old.gid, item.old.mode)
        return
    for index in range(len(item.created) - 1, -1, -1):
        path = item.created[index]
        try:
            os.rmdir(path)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            text = "%s: created by this call but left in place, it is not empty (something else put %s into it)" % (
                path, _entries(path))
            if index:
                text += "; so are the parents created with it (%s)" % ", ".join(item.created[:index])
            raise NotEmpty(text)
        fsync_dir(os.path.dirname(path))


def apply_file(files, item):
    if item.content_changed:
        files.write(item.real, item.data)
    mode = item.mode if item.mode is not None or item.old is not None else DEFAULT_MODE
    set_attributes(files, item.real, item.uid, item.gid, mode)


def restore_file(files, item):
    if item.old is None:
        remove(item.real)
        return
    if item.content_changed:
        files.write(item.real, item.old.data)
    set_attributes(files, item.real, item.old.uid, item.old.gid, item.old.mode)


def restore_link(item):
    if item.old is None:
        remove(item.path)
    else:
        replace_link(item.path, item.old)


def make_backups(files, items, backups):
    """A timestamped copy of each existing file whose content changes, into ``backups`` ({path: copy})."""
    for item in items:
        if isinstance(item, FileItem) and item.content_changed and item.old is not None:
            try:
                backups[item.path] = files.backup(item.real)
            except Exception as exc:  # OSError, or the plain Exception of backup_local
                raise ConfigFilesError("could not back up %s (%s)" % (item.path, exc))


def remove_backups(backups):
    for path in backups.values():
        try:
            remove(path)
        except OSError:
            pass


def apply(files, items, done):
    """Write every changed item; ``done`` gets each item before it is touched (so that one that fails half-way is
    put back too). Raises ConfigFilesError."""
    for item in items:
        done.append(item)
        try:
            if isinstance(item, DirItem):
                apply_directory(files, item)
            elif isinstance(item, FileItem):
                apply_file(files, item)
            else:
                replace_link(item.path, item.src)
        except Exception as exc:  # OSError, the plain Exception of atomic_move
            raise ConfigFilesError("could not write %s (%s)" % (item.path, getattr(exc, "strerror", None) or exc))


def rollback(files, done):
    """Put every item of ``done`` back as it was, the last one first. Returns (paths put back, problems)."""
    restored, problems = [], []
    for item in reversed(done):
        try:
            if isinstance(item, DirItem):
                restore_directory(files, item)
            elif isinstance(item, FileItem):
                restore_file(files, item)
            else:
                restore_link(item)
            restored.append(item.path)
        except NotEmpty as exc:
            problems.append(str(exc))
        except Exception as exc:  # keep going: every other item still gets its old state back
            problems.append("%s (%s)" % (item.path, getattr(exc, "strerror", None) or exc))
    restored.reverse()
    return restored, problems


def trim(text, limit=OUTPUT_LIMIT):
    text = (text or "").strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def run_validate(run_command, argv):
    """{rc, stdout, stderr} of the validation command (no shell)."""
    rc, out, err = run_command(argv, check_rc=False)
    return dict(rc=rc, stdout=out, stderr=err)


def _rollback_text(restored, problems, anything_changed):
    if not anything_changed:
        return "Nothing was changed."
    text = "The previous files are back in place (%s)." % ", ".join(restored) if restored else ""
    if problems:
        text += " Could NOT be put back: %s; fix them by hand." % "; ".join(problems)
    return text.strip()


# --- the module -------------------------------------------------------------------------------------------------


def run(params, check_mode, files, run_command, find_bin):
    """Everything the module does for ``params``: the result, or ConfigFilesError (with the validation's output and
    what was put back when the files had been written). ``files`` is a _fsutil.ModuleFiles, ``run_command`` and
    ``find_bin`` AnsibleModule's run_command and get_bin_path."""
    argv = params["validate"]
    dir_items, file_items, link_items, problems = prepare(params["files"], params["links"], argv, check_mode,
                                                          find_bin, params.get("directories"))
    problems.extend(plan(file_items, link_items, dir_items))  # the items without a problem: what is there
    if problems:
        raise ConfigFilesError(input_failure(problems))

    items = changed_items(file_items, link_items, dir_items)
    result = dict(changed=bool(items), changed_files=[item.path for item in items], backup_files={},
                  diff=diff_entries(file_items, link_items, dir_items))
    if check_mode:
        return result

    done = []
    try:
        if items and params["backup"]:
            make_backups(files, items, result["backup_files"])
        apply(files, items, done)
        if argv is not None and (items or params["validate_when"] == "always"):
            result["validate"] = run_validate(run_command, argv)
            if result["validate"]["rc"] != 0:
                raise ConfigFilesError(_validation_failure(argv, result["validate"]))
    except Exception as failure:  # whatever went wrong, the files go back first
        restored, undo_problems = rollback(files, done)
        remove_backups(result["backup_files"])
        checked = result.get("validate", {})
        what = str(failure).strip().rstrip(".")
        raise ConfigFilesError("config_files: the new set of files was not kept - %s. %s"
                               % (what, _rollback_text(restored, undo_problems, bool(done))),
                               rc=checked.get("rc"), stdout=checked.get("stdout", ""),
                               stderr=checked.get("stderr", ""), rolled_back=restored,
                               changed_files=result["changed_files"])
    return result


def _validation_failure(argv, checked):
    output = trim(checked["stderr"]) or trim(checked["stdout"]) or "no output"
    return "the validation command %r failed (rc=%s): %s." % (" ".join(argv), checked["rc"], output)
