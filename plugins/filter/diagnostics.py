# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secret masking for the support bundle (playbooks/collect_diagnostics.yml); the logic is module_utils/_masking.py,
shared with the host_diagnostics module."""

from __future__ import annotations

import posixpath

from ansible_collections.engage_exec.recording.plugins.module_utils._masking import (
    exec_mask_env, exec_mask_text, exec_secret_values)


def exec_bundle_files(files, directory) -> dict:
    """host_diagnostics' files ({relative path: text}) as the directories and files options of config_files, under
    ``directory`` (folders and files readable by the controller user only)."""
    base = str(directory).rstrip("/")
    folders = sorted({posixpath.dirname(path) for path in files} - {""})
    directories = [{"path": base, "mode": "0700"}] + [{"path": "%s/%s" % (base, d), "mode": "0700"} for d in folders]
    return {"directories": directories,
            "files": [{"path": "%s/%s" % (base, path), "content": text, "mode": "0600"}
                      for path, text in sorted(files.items())]}


class FilterModule(object):
    """Support bundle filters."""

    def filters(self):
        return {"exec_secret_values": exec_secret_values, "exec_mask_text": exec_mask_text,
                "exec_mask_env": exec_mask_env, "exec_bundle_files": exec_bundle_files}
