#!/usr/bin/python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deployment_lock
short_description: One deployment at a time - a lease lock held in a file on a target host
version_added: 1.0.0
description:
  - Takes (V(present)) or releases (V(absent)) a lock held in one file on the host the task runs on, so that two
    runs of a playbook from different places (a laptop, CI, AWX jobs in fresh containers) cannot change a site at the
    same time. The second run is refused with a message naming the run that holds the lock.
  - "The lock file (JSON, mode C(0600), owned by the user the module runs as: root with C(become)) records the
    O(owner), when the lock was taken and when its lease ends, in the clock of the host that holds it. Every
    read-compare-write is done under an exclusive C(flock) on C(<path>.guard), and a new lock file replaces the old
    one by C(rename): two runs never both see the lock free, and nobody reads half a file."
  - "The lock is taken when it is free, already held by the same owner (the lease is renewed), its lease has ended
    (O(ttl) seconds after it was last taken or renewed), its owner is O(takeover), or O(break_lock=true). Otherwise
    the task fails, naming the holder (controller host, user, pid, playbook, AWX job), since when it holds the lock,
    when its lease ends, and what to do; nothing is written."
  - Owners are compared by their C(id) key when O(owner) is a dict that has one, else in full.
  - An unreadable lock file (not JSON, fields missing) counts as held by an unknown run, from the file's modification
    time until O(ttl) seconds later, so it neither is ignored nor blocks for ever.
  - "The action plugin of the same name builds the owner on the controller: controller host name, user, the pid of
    C(ansible-playbook) and its start time, the playbook, AWX/Tower job id. When the lock is held by a run of the
    same controller whose C(ansible-playbook) process no longer exists (a run that crashed or was killed), it takes
    the lock over (O(takeover)) with a warning, so that a rerun from the same machine just works."
author:
  - engage_exec.recording maintainers (@engage_exec)
options:
  path:
    description:
      - Absolute path of the lock file on the target host. Its directory is created (mode C(0700)) when missing.
      - Every run that must exclude the others must use the same path on the same host.
    type: path
    default: /var/lib/engage-exec-recording/deploy.lock
  state:
    description:
      - V(present) takes the lock (or renews the lease when this owner holds it); V(absent) releases it.
      - Releasing a lock held by another owner is refused unless O(break_lock=true); releasing a free lock changes
        nothing.
    type: str
    choices: [present, absent]
    default: present
  owner:
    description:
      - Who takes or releases the lock. A dict (shown in the refusal message, with the keys C(controller), C(user),
        C(pid), C(playbook), C(awx_job_id), C(tags), C(limit), C(label)) or a string.
      - With the action plugin, a dict given here is completed with the controller's identity and a string becomes
        C(label); the identity keys (C(id), C(controller), C(user), C(pid), C(pid_start), C(boot_id), C(pid_ns)) are
        always the controller's, so the task may leave O(owner) out.
      - Without the action plugin (a direct module call), an empty owner is refused.
    type: raw
  ttl:
    description:
      - Length of the lease in seconds, counted on the lock host from when the lock is taken or renewed. After it,
        another run may take the lock over (with a warning).
      - Make it longer than the longest run (a rolling upgrade of every EXRP node included). A run that takes the
        lock again renews it.
    type: int
    default: 21600
  break_lock:
    description:
      - Take (V(present)) or remove (V(absent)) the lock whoever holds it, with a warning naming them.
      - Only for a lock whose run is known to be dead and cannot be taken over automatically (another controller,
        an AWX job whose container is gone) before its lease ends.
    type: bool
    default: false
  takeover:
    description:
      - The owner of a lock to replace (as returned in RV(held_by.owner)). The lock is taken only when it is still
        held by exactly that owner (compare and swap under the guard); otherwise the usual rules apply.
      - The action plugin sets it when it proved the holder's C(ansible-playbook) process dead on this controller;
        there is rarely a reason to set it by hand.
    type: raw
  hint:
    description:
      - End of the refusal message, telling how to break the lock from the calling playbook.
    type: str
    default: set break_lock=true on this task.
attributes:
  check_mode:
    support: full
    description:
      - Writes nothing (no lock file, no guard file, no directory) and reports whether the lock would be taken or
        released (RV(lock_state), RV(held_by)).
      - A lock held by another live run fails in check mode too, with the same message, because what a check run
        would report while another run is changing the site is not to be trusted.
  diff_mode:
    support: full
    description: Owner and lease before and after.
  idempotent:
    support: partial
    description:
      - Releasing twice changes nothing the second time. Taking the lock again as the same owner renews the lease,
        which is a change (RV(action=renewed)).
  platform:
    support: full
    platforms: posix
    description: A POSIX host with Python and C(flock) on a local file system (not NFS).
notes:
  - A run that fails or is killed leaves its lock. The next run from the same controller takes it over when the old
    C(ansible-playbook) process is gone; from another controller, after the lease or with O(break_lock=true).
  - The lease is counted in the lock host's clock, so the controllers' clocks do not matter.
seealso:
  - name: The deployment lock of site.yml
    description: How C(site.yml) and C(upgrade_exrp.yml) use this module (C(exec_lock_*) variables), in docs/deployment-order.md.
    link: https://example.invalid/engage_exec/recording/blob/main/docs/deployment-order.md
"""

EXAMPLES = r"""
- name: Take the deployment lock on the first EXEC host, once for the run
  engage_exec.recording.deployment_lock:
    path: /var/lib/engage-exec-recording/deploy.lock
    owner:
      playbook: site.yml
    ttl: 21600
    hint: rerun with -e exec_lock_break=true.
  run_once: true
  delegate_to: "{{ groups['exec'] | first }}"

- name: Release it at the end of the run
  engage_exec.recording.deployment_lock:
    path: /var/lib/engage-exec-recording/deploy.lock
    owner:
      playbook: site.yml
    state: absent
  run_once: true
  delegate_to: "{{ groups['exec'] | first }}"

- name: Remove a lock left by a dead run of another controller
  engage_exec.recording.deployment_lock:
    owner: cleanup by ops
    state: absent
    break_lock: true
"""

RETURN = r"""
action:
  description:
    - What was done (or would be done in check mode). V(acquired) (the lock was free), V(renewed) (this owner held
      it), V(took_over_expired) (its lease had ended), V(took_over) (O(takeover)), V(broken) (O(break_lock)),
      V(released), V(none) (releasing a free lock).
  returned: success
  type: str
  sample: acquired
acquired:
  description: Whether this owner holds the lock after the task (in check mode, would hold it).
  returned: success
  type: bool
  sample: true
lock_state:
  description:
    - State of the lock before the task, for this owner. V(free), V(ours), V(expired) (lease ended), V(held) (by
      another owner, lease running), V(corrupt) (unreadable file, lease running).
  returned: always
  type: str
  sample: free
held_by:
  description:
    - The holder after the task (this owner when it took the lock; null when released). On a refusal, the holder
      that refused it.
  returned: always
  type: dict
  contains:
    owner:
      description: The owner as written in the lock file.
      type: raw
    owner_id:
      description: The identity owners are compared by.
      type: str
    description:
      description: The owner in one line.
      type: str
    since:
      description: When the holder took the lock (UTC, ISO 8601).
      type: str
    lease_end:
      description: When its lease ends (UTC, ISO 8601).
      type: str
    acquired:
      description: RV(held_by.since) in seconds since the epoch.
      type: float
    expires:
      description: RV(held_by.lease_end) in seconds since the epoch.
      type: float
    ttl:
      description: The lease length of the holder.
      type: int
    expired:
      description: Whether the lease has ended.
      type: bool
    seconds_left:
      description: Seconds until the lease ends.
      type: int
    corrupt:
      description: Why the lock file is unreadable, or null.
      type: str
  sample:
    owner: {controller: ctl1.example.com, user: alice, pid: 4242, playbook: site.yml}
    description: alice@ctl1.example.com pid 4242 (playbook site.yml)
    since: "2026-11-24T22:10:00Z"
    lease_end: "2026-11-25T04:10:00Z"
    expired: false
previous:
  description: The holder before the task (null when the lock was free), in the form of RV(held_by).
  returned: success
  type: dict
  sample: null
lock_host:
  description: Host name of the host holding the lock file.
  returned: always
  type: str
  sample: exec1.example.com
lock_file:
  description: The lock file (O(path)).
  returned: always
  type: str
  sample: /var/lib/engage-exec-recording/deploy.lock
"""

import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils._lock import (
    DEFAULT_PATH,
    DEFAULT_TTL,
    LockError,
    run,
)
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import module_result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default=DEFAULT_PATH),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            owner=dict(type="raw"),
            ttl=dict(type="int", default=DEFAULT_TTL),
            break_lock=dict(type="bool", default=False),
            takeover=dict(type="raw"),
            hint=dict(type="str", default="set break_lock=true on this task."),
        ),
        supports_check_mode=True,
    )
    lock_host = socket.gethostname()
    base = dict(lock_file=module.params["path"], lock_host=lock_host)
    try:
        result = run(module.params, module.check_mode, lock_host=lock_host)
    except LockError as exc:
        module.fail_json(**dict(base, **exc.result()))
    module.exit_json(**dict(base, **module_result(module, result)))


if __name__ == "__main__":
    main()
