# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/troubleshooting.md has a row for every failure message the modules and roles write (error_messages.py)."""

from __future__ import annotations

import pytest

import error_messages


def test_messages_are_found():
    """The extraction sees the sources it claims to (a broken extractor would make the doc check vacuous)."""
    messages = dict(error_messages.all_messages())
    sources = {where.split(":")[0].split("/")[0] for where in messages}
    assert sources == {"plugins", "roles", "playbooks"}, sources
    assert any("env_file" in w or "_envfile" in w for w in messages)
    assert any(w.startswith("roles/webdav/") for w in messages)
    assert len(messages) >= 40, len(messages)
    assert all(key for key in messages.values()), [w for w, k in messages.items() if not k]


@pytest.mark.parametrize("pieces,key", [
    (["", " - cannot be read (", "); run with become or check its permissions."],
     ("cannot be read", "run with become or check its permissions")),
    (["", " - nothing was changed. ", ""], ("nothing was changed",)),
    (["Backend ", ": address '", "' port '", "' - give a host name or IP address and a port from 1 to 65535."],
     ("give a host name or IP address and a port",)),
    (["", ""], ()),
])
def test_key_phrase(pieces, key):
    assert error_messages.key_phrase(pieces) == key


def test_task_key_from_jinja_and_vars():
    assert error_messages._task_key("{{ ['Inbound rows from ' ~ h ~ ' failed. Nothing was changed on any host.'] }}",
                                    {}) == ("Inbound rows from", "failed. Nothing was changed on any host")
    head = "{{ h }} is not ready for EXEC Recording Injection: {{ n }} problem(s)."
    assert error_messages._task_key("{{ [head] + problems }}", {"vars": {"head": head}}) \
        == ("is not ready for EXEC Recording Injection",)


def test_every_message_has_a_troubleshooting_entry():
    missing = error_messages.missing()
    assert not missing, ("docs/troubleshooting.md has no row holding the key phrase of these messages; add one "
                         "(message start, cause, fix):\n" + "\n".join(missing))
