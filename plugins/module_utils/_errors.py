# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one error type of the backends, and the one way a backend's result reaches exit_json (docs/architecture.md,
"Backend contract").

A backend raises ModuleError with the message the user reads (what is wrong, what to change) and any extra return
values the failure carries (for example the diff computed before the failure, or the path left as it was); the
module's main() turns it into fail_json(msg=..., **extra). Each backend may subclass it to name its own failures."""

from __future__ import annotations


class ModuleError(Exception):
    """A failure a module reports: ``msg`` for the user, ``extra`` returned beside it."""

    def __init__(self, msg, **extra):
        super().__init__(msg)
        self.msg = msg
        self.extra = extra

    def result(self):
        """The keyword arguments of fail_json."""
        return dict(self.extra, msg=self.msg)


def module_result(module, result):
    """The keyword arguments of exit_json (or fail_json) for a backend's ``result``: each of ``result["warnings"]``
    given to ``module.warn``, ``diff`` kept only when Ansible asks for it (``--diff``), the rest as it is."""
    result = dict(result)
    for warning in result.pop("warnings", None) or ():
        module.warn(warning)
    if not module._diff:  # pylint: disable=protected-access
        result.pop("diff", None)
    return result
