# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Private backend of the ``deployment_lock`` module: a lease lock in one JSON file on the host where it runs.

The lock file holds who has the lock (``owner``, a dict or a string), since when, and when its lease ends, in the clock
of the host that holds the file (so that controllers with different clocks agree). Every read-compare-write happens
under an exclusive ``flock`` on a guard file beside it (``<path>.guard``), and a new lock file replaces the old one by
``rename`` (written to a temporary file in the same directory, fsync'd first): two runs can never both see the lock free
and both write it, and a reader never sees half a file. The guard is released by the kernel when the process dies.

Owners are compared by their identity (:func:`owner_id`): the ``id`` key of a dict owner when it has one, else the
whole owner as canonical JSON.  A lock is replaced only when it is free, its lease has ended, its owner is the
``takeover`` owner the caller proved dead, or ``break_lock`` is set.  Check mode reads and never writes, not even the
guard file or the directory.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
import time

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError
from ansible_collections.engage_exec.recording.plugins.module_utils._fsutil import fsync_dir

FORMAT = 1
DEFAULT_PATH = "/var/lib/engage-exec-recording/deploy.lock"
DEFAULT_TTL = 21600
GUARD_SUFFIX = ".guard"
GUARD_WAIT = 30.0


class LockError(ModuleError):
    """An expected failure; its extra values are returned with the failure (``held_by`` for a refusal)."""


def owner_id(owner):
    """The identity two owners are compared by."""
    if isinstance(owner, dict):
        if owner.get("id") not in (None, ""):
            return str(owner["id"])
        return json.dumps(owner, sort_keys=True, separators=(",", ":"), default=str)
    if owner is None:
        return ""
    return str(owner)


def iso(epoch):
    """UTC ISO 8601 (seconds), or None."""
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _duration(seconds):
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return "%dh%02dm" % (hours, minutes)
    if minutes:
        return "%dm%02ds" % (minutes, secs)
    return "%ds" % secs


def describe_owner(owner):
    """One line naming a run: ``alice@ctl1 pid 4242 (site.yml, AWX job 57)``."""
    if owner is None:
        return "an unknown run (the lock file is unreadable)"
    if not isinstance(owner, dict):
        return repr(str(owner))
    who = owner.get("user") or "?"
    where = owner.get("controller") or "?"
    text = "%s@%s" % (who, where)
    if owner.get("pid") is not None:
        text += " pid %s" % owner["pid"]
    extra = []
    if owner.get("playbook"):
        extra.append("playbook %s" % owner["playbook"])
    for key, label in (("awx_job_id", "AWX job"), ("tower_job_id", "Tower job")):
        if owner.get(key) not in (None, ""):
            extra.append("%s %s" % (label, owner[key]))
            break
    if owner.get("awx_job_template_name"):
        extra.append("template %r" % owner["awx_job_template_name"])
    if owner.get("tags"):
        extra.append("tags %s" % ",".join(str(t) for t in owner["tags"]))
    if owner.get("limit"):
        extra.append("limit %s" % owner["limit"])
    if owner.get("label"):
        extra.append(str(owner["label"]))
    if extra:
        text += " (%s)" % ", ".join(extra)
    return text


def holder_info(record, now):
    """What is returned as ``held_by``: the record plus readable times and the lease state."""
    if record is None:
        return None
    expires = record.get("expires")
    return {
        "owner": record.get("owner"),
        "owner_id": owner_id(record.get("owner")) if record.get("owner") is not None else None,
        "description": describe_owner(record.get("owner")),
        "since": iso(record.get("acquired")),
        "acquired": record.get("acquired"),
        "lease_end": iso(expires),
        "expires": expires,
        "ttl": record.get("ttl"),
        "expired": expires is not None and expires <= now,
        "seconds_left": int(max(0, expires - now)) if expires is not None else None,
        "corrupt": record.get("corrupt"),
    }


def refusal(path, lock_host, record, now, hint):
    """The message of a refused acquire: who holds the lock, since when, until when, what to do."""
    info = holder_info(record, now)
    where = "%s on %s" % (path, lock_host) if lock_host else path
    if record.get("corrupt"):
        head = "Deployment lock %s: the lock file is unreadable (%s), so another run may hold it" % (
            where, record["corrupt"])
    else:
        head = "Deployment lock %s is held by another run: %s" % (where, info["description"])
    return ("%s, since %s, lease ends %s (in %s). This run changed nothing. Wait for that run to finish and run "
            "again; if that run is dead (its controller crashed or was lost), %s" % (
                head, info["since"], info["lease_end"], _duration(info["seconds_left"] or 0), hint))


def read(path, ttl, stat_now=None):
    """The lock record in ``path``; None when there is no lock file.

    An unreadable file (not JSON, not an object, fields missing) is a held lock of an unknown owner, acquired at the
    file's modification time, whose lease ends ``ttl`` seconds after it: it is never ignored, and it does not block
    for ever.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
            mtime = os.fstat(handle.fileno()).st_mtime
    except FileNotFoundError:
        return None
    except IsADirectoryError as exc:
        raise LockError("Deployment lock %s is a directory: give path=<a file path>." % path) from exc
    except OSError as exc:
        raise LockError("Deployment lock %s cannot be read: %s. Run the task with become (root)." % (
            path, exc.strerror)) from exc
    problem = None
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        record, problem = None, "not JSON"
    if problem is None:
        if not isinstance(record, dict):
            problem = "not a JSON object"
        elif "owner" not in record or not isinstance(record.get("expires"), (int, float)) \
                or not isinstance(record.get("acquired"), (int, float)) or record.get("owner") is None:
            problem = "owner, acquired or expires missing"
    if problem:
        return {"owner": None, "acquired": mtime, "expires": mtime + ttl, "ttl": ttl, "corrupt": problem}
    return record


def _write(path, record):
    """Replace ``path`` with ``record``: temporary file in the same directory (0600), fsync, rename, fsync dir."""
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write((json.dumps(record, sort_keys=True, indent=1) + "\n").encode("utf-8"))
            handle.flush()
            os.fchmod(handle.fileno(), 0o600)
            os.fsync(handle.fileno())
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(directory)


def _remove(path):
    os.unlink(path)
    fsync_dir(os.path.dirname(path))


class _Guard:
    """Exclusive flock on ``<path>.guard`` (created 0600 with O_CREAT): serialises read-compare-write."""

    def __init__(self, path, wait=GUARD_WAIT):
        self.path = path + GUARD_SUFFIX
        self.wait = wait
        self.fd = None

    def __enter__(self):
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as exc:
            raise LockError("Deployment lock guard %s cannot be opened: %s. Run the task with become (root)." % (
                self.path, exc.strerror)) from exc
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    raise LockError("Deployment lock guard %s stayed locked for %ds: a process on this host holds it "
                                    "(see `fuser %s`)." % (self.path, self.wait, self.path)) from exc
                time.sleep(0.05)

    def __exit__(self, *exc):
        os.close(self.fd)  # closing the descriptor releases the flock
        self.fd = None
        return False


def _ensure_dir(path):
    directory = os.path.dirname(path)
    if os.path.isdir(directory):
        return
    try:
        os.makedirs(directory, mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise LockError("Deployment lock directory %s cannot be created: %s. Run the task with become (root) or "
                        "give another path." % (directory, exc.strerror)) from exc


class DeploymentLock:
    """The lock in ``path``.  ``clock`` returns the current time (seconds since the epoch)."""

    def __init__(self, path, lock_host=None, clock=time.time, guard_wait=GUARD_WAIT):
        if not path or not os.path.isabs(path):
            raise LockError("Deployment lock path %r is not absolute: give an absolute path, e.g. %s." % (
                path, DEFAULT_PATH))
        self.path = path
        self.lock_host = lock_host
        self.clock = clock
        self.guard_wait = guard_wait

    def status(self, owner, ttl=DEFAULT_TTL):
        """``(state, record)``; state is free, ours, expired, corrupt or held."""
        record = read(self.path, ttl)
        return self._classify(record, owner), record

    def _classify(self, record, owner):
        if record is None:
            return "free"
        if record.get("corrupt"):
            return "expired" if record["expires"] <= self.clock() else "corrupt"
        if owner is not None and owner_id(record.get("owner")) == owner_id(owner):
            return "ours"
        if record["expires"] <= self.clock():
            return "expired"
        return "held"

    def _record(self, owner, ttl, previous=None):
        now = self.clock()
        acquired = previous["acquired"] if previous else now
        return {"format": FORMAT, "owner": owner, "owner_id": owner_id(owner), "acquired": acquired,
                "renewed": now, "expires": now + ttl, "ttl": ttl, "lock_host": self.lock_host}

    def acquire(self, owner, ttl=DEFAULT_TTL, break_lock=False, takeover=None, check_mode=False,
                hint="rerun with break_lock=true."):
        """Take (or renew) the lock for ``owner``.  Returns the result dict; raises LockError on refusal."""
        if owner is None or owner_id(owner) == "":
            raise LockError("Deployment lock %s: owner is empty; give owner=<a dict or string naming this run>."
                            % self.path)
        if not isinstance(ttl, int) or ttl <= 0:
            raise LockError("Deployment lock %s: ttl is %r; give a number of seconds > 0." % (self.path, ttl))
        if check_mode:
            return self._decide(read(self.path, ttl), owner, ttl, break_lock, takeover, check_mode=True, hint=hint)
        _ensure_dir(self.path)
        with _Guard(self.path, self.guard_wait):
            return self._decide(read(self.path, ttl), owner, ttl, break_lock, takeover, check_mode=False, hint=hint)

    def _decide(self, record, owner, ttl, break_lock, takeover, check_mode, hint):
        now = self.clock()
        state = self._classify(record, owner)
        result = {"changed": True, "acquired": True, "lock_state": state, "previous": holder_info(record, now),
                  "warnings": []}
        if state == "free":
            result["action"] = "acquired"
        elif state == "ours":
            result["action"] = "renewed"
        elif state == "expired":
            result["action"] = "took_over_expired"
            result["warnings"].append("Deployment lock %s: the lease of %s ended at %s; this run takes the lock "
                                      "over." % (self.path, describe_owner(record.get("owner")),
                                                 iso(record["expires"])))
        elif takeover is not None and not record.get("corrupt") and owner_id(takeover) == owner_id(
                record.get("owner")):
            result["action"] = "took_over"
        elif break_lock:
            result["action"] = "broken"
            result["warnings"].append("Deployment lock %s: broke the lock of %s (held since %s, lease until %s) "
                                      "because break_lock is set." % (self.path, describe_owner(record.get("owner")),
                                                                      iso(record["acquired"]),
                                                                      iso(record["expires"])))
        else:
            raise LockError(refusal(self.path, self.lock_host, record, now, hint),
                            held_by=holder_info(record, now), lock_state=state)
        new = self._record(owner, ttl, previous=record if state == "ours" else None)
        if not check_mode:
            _write(self.path, new)
        result["held_by"] = holder_info(new, now)
        result["diff"] = {"before": _show(record), "after": _show(new),
                          "before_header": self.path, "after_header": self.path}
        return result

    def release(self, owner, break_lock=False, check_mode=False):
        """Remove the lock when ``owner`` holds it (or ``break_lock``).  Raises LockError for someone else's lock."""
        now = self.clock()
        if check_mode:
            return self._release(read(self.path, DEFAULT_TTL), owner, break_lock, True, now)
        if not os.path.isdir(os.path.dirname(self.path)):
            return self._release(None, owner, break_lock, False, now)
        with _Guard(self.path, self.guard_wait):
            return self._release(read(self.path, DEFAULT_TTL), owner, break_lock, False, now)

    def _release(self, record, owner, break_lock, check_mode, now):
        state = self._classify(record, owner)
        result = {"changed": False, "acquired": False, "lock_state": state, "previous": holder_info(record, now),
                  "held_by": None, "warnings": [], "action": "none"}
        if state == "free":
            return result
        if state != "ours":
            if not break_lock:
                if record.get("corrupt"):
                    why = "the lock file is unreadable (%s)" % record["corrupt"]
                else:
                    why = "it is held by %s since %s (lease until %s)" % (
                        describe_owner(record.get("owner")), iso(record["acquired"]), iso(record["expires"]))
                raise LockError("Deployment lock %s was not released: %s, not by this run (%s). If this run's "
                                "lease ended while it ran, another run took the lock over: check that run. To "
                                "remove the lock anyway, set break_lock=true." % (
                                    self.path, why, describe_owner(owner)),
                                held_by=holder_info(record, now), lock_state=state)
            result["warnings"].append("Deployment lock %s: removed the lock of %s because break_lock is set." % (
                self.path, describe_owner(record.get("owner"))))
            result["action"] = "broken"
        else:
            result["action"] = "released"
        if not check_mode:
            try:
                _remove(self.path)
            except FileNotFoundError:
                pass
        result["changed"] = True
        result["diff"] = {"before": _show(record), "after": "", "before_header": self.path,
                          "after_header": self.path}
        return result


def _show(record):
    if record is None:
        return ""
    if record.get("corrupt"):
        return "(unreadable lock file: %s)\n" % record["corrupt"]
    return json.dumps({k: record.get(k) for k in ("owner", "acquired", "expires", "ttl")}, sort_keys=True,
                      indent=1, default=str) + "\n"


def run(params, check_mode, lock_host=None):
    """Entry point of the module: returns the result dict, raises LockError."""
    lock = DeploymentLock(params["path"], lock_host=lock_host)
    if params["state"] == "present":
        return lock.acquire(params["owner"], ttl=params["ttl"], break_lock=params["break_lock"],
                            takeover=params.get("takeover"), check_mode=check_mode, hint=params["hint"])
    return lock.release(params["owner"], break_lock=params["break_lock"], check_mode=check_mode)
