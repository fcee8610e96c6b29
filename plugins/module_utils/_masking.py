# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secret masking for the support bundle: which values are secret (by the name of the variable or .env key that
holds them) and texts with those values replaced. Used by the host_diagnostics module (on the host, before any text
leaves it) and by the filters exec_secret_values, exec_mask_env and exec_mask_text (on the controller).

Private to this collection; the API may change without notice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

MASK = "********"
# A variable or .env key is secret when one of its words (split on "_", "-", "." and case) is one of these.
SECRET_WORDS = frozenset(("password", "passwd", "pass", "pwd", "secret", "token", "key", "passphrase", "credential",
                          "credentials", "apikey", "privatekey"))
# Values shorter than this are masked where their key names them (.env lines), not searched for in free text: a
# two-letter secret would blank out every occurrence of those letters in a log.
MIN_TEXT_LENGTH = 4
# Variables that are Ansible's own state, not the inventory's: never walked.
_SKIP = ("hostvars", "groups", "group_names", "vars", "omit", "play_hosts", "ansible_play_hosts",
         "ansible_play_hosts_all", "ansible_play_batch", "ansible_facts", "ansible_local", "environment")
_ENV_LINE = re.compile(r"^(?P<lead>\s*(?:export\s+)?)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)(?P<eq>\s*=\s*)(?P<value>.*)$")


def is_secret_name(name) -> bool:
    """True when a word of the variable or key name says it holds a secret (PASSWORD, client_secret, API_KEY...)."""
    words = re.split(r"[_\-.\s]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name)))
    return any(w.lower() in SECRET_WORDS for w in words if w)


def _leaves(value):
    """Every string (and number) under value."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        if text:
            yield text


def _walk(value, depth):
    """Values held under secret names anywhere inside value (lists of users with a password each, for example)."""
    if depth > 8:
        return
    if isinstance(value, Mapping):
        for key in list(value.keys()):
            try:
                item = value[key]
            except Exception:  # pylint: disable=broad-except  # a variable that does not template has no value
                continue
            if is_secret_name(key):
                yield from _leaves(item)
            else:
                yield from _walk(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item, depth + 1)


def env_secret_values(text) -> list:
    """The values of the secret keys of a .env file's text (quotes taken off)."""
    found = []
    for line in str(text or "").splitlines():
        match = _ENV_LINE.match(line)
        if match and is_secret_name(match.group("key")):
            value = match.group("value").strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            if value:
                found.append(value)
    return found


def exec_secret_values(variables, env_texts=None) -> list:
    """Every secret value known: those the variables hold under secret names (the inventory, for example
    ``hostvars[inventory_hostname]``), and those of the secret keys of each of ``env_texts`` (.env file texts).
    Longest first, each once."""
    values = set()
    if isinstance(variables, Mapping):
        for key in list(variables.keys()):
            if key in _SKIP or (str(key).startswith("ansible_") and not is_secret_name(key)):
                continue
            try:
                item = variables[key]
            except Exception:  # pylint: disable=broad-except  # undefined or failing to template: nothing to mask
                continue
            if is_secret_name(key):
                values.update(_leaves(item))
            else:
                values.update(_walk(item, 1))
    for text in env_texts or []:
        values.update(env_secret_values(text))
    return sorted(values, key=lambda v: (-len(v), v))


def exec_mask_text(text, secret_values) -> str:
    """text with every secret value (as written, and URL-encoded) replaced by ********."""
    text = str(text if text is not None else "")
    for value in sorted({str(v) for v in secret_values or [] if len(str(v)) >= MIN_TEXT_LENGTH},
                        key=lambda v: (-len(v), v)):
        for form in dict.fromkeys((value, quote(value, safe=""))):
            text = text.replace(form, MASK)
    return text


def exec_mask_env(text, secret_values=None) -> str:
    """A .env file's text with the value of every secret key masked (KEY=********), then every known secret value
    masked wherever else it appears (a password inside a URL, for example)."""
    lines = []
    for line in str(text or "").splitlines():
        match = _ENV_LINE.match(line)
        if match and is_secret_name(match.group("key")) and match.group("value").strip():
            line = match.group("lead") + match.group("key") + match.group("eq") + MASK
        lines.append(line)
    masked = "\n".join(lines) + ("\n" if str(text or "").endswith("\n") else "")
    return exec_mask_text(masked, secret_values)
