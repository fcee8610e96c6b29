# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every setting a stand-in reads is documented in lab/README.md (the one place the roles take their defaults from),
and the env-file examples use only documented keys."""

from __future__ import annotations

import re

import lab_standins_helpers as helpers

README = (helpers.STANDINS.parent / "README.md").read_text()
READ = re.compile(r'\b(?:get|require|int|float|bool|list)\(\s*"([A-Z][A-Z0-9_]+)"')
PEER_LISTS = re.compile(r'"([A-Z]+_SERVERS)"')  # EXAS/EXCP pick their list by name


def settings_read_by_the_code() -> set:
    keys = set()
    for source in helpers.STANDINS.glob("*.py"):
        keys |= set(READ.findall(source.read_text())) | set(PEER_LISTS.findall(source.read_text()))
    return keys


def test_every_setting_read_by_a_standin_is_documented():
    keys = settings_read_by_the_code()
    assert {"EXRP_URLS", "WEBDAV_PASSWORD", "GC_CLIENT_SECRET", "CONFIGDB_ANNEX_QUERY", "STAT_SERVERS"} <= keys
    undocumented = sorted(k for k in keys if "`%s`" % k not in README)
    assert not undocumented, "add these to lab/README.md: %s" % undocumented


def test_env_examples_use_documented_keys_only():
    examples = sorted((helpers.STANDINS / "env").glob("*.env.example"))
    assert len(examples) == 6
    for example in examples:
        keys = [line.split("=", 1)[0] for line in example.read_text().splitlines()
                if line and not line.startswith("#")]
        assert keys, example
        unknown = [k for k in keys if "`%s`" % k not in README]
        assert not unknown, "%s: %s" % (example.name, unknown)
