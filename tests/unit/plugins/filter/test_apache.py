# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apache_files and apache_module_links: the webdav role's look at Apache's folders, and the links still to make."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.engage_exec.recording.plugins.filter.apache import apache_files, apache_module_links

ENABLED = "/etc/apache2/mods-enabled"
LISTING = [
    "conf dav_fs.conf",
    "conf mpm_event.conf",
    "entry /etc/apache2/mods-enabled/dav.load ../mods-available/dav.load",
    "entry /etc/apache2/mods-enabled/dav_fs.load ../mods-available/dav_fs.load",
    "entry /etc/apache2/mods-enabled/dav_fs.conf /somewhere/else.conf",
    "entry /etc/apache2/sites-enabled/000-default.conf ../sites-available/000-default.conf",
    "entry /etc/apache2/mods-enabled/local.conf ",
]


def test_listing_read_back():
    found = apache_files(LISTING)
    assert found["confs"] == ["dav_fs", "mpm_event"]
    assert found["entries"]["/etc/apache2/mods-enabled/dav.load"] == "../mods-available/dav.load"
    assert found["entries"]["/etc/apache2/sites-enabled/000-default.conf"] == "../sites-available/000-default.conf"
    assert found["entries"]["/etc/apache2/mods-enabled/local.conf"] == ""  # a plain file, not a link
    assert apache_files([]) == {"confs": [], "entries": {}}


def test_unexpected_line_fails():
    with pytest.raises(AnsibleFilterError, match="unexpected line 'find: oops'"):
        apache_files(["find: oops"])


def test_links_to_make_are_missing_or_wrong_ones():
    found = apache_files(LISTING)
    # dav.load and dav_fs.load are in place; dav_fs.conf points elsewhere; mpm_event has none yet; dav ships no .conf
    assert apache_module_links(found, ["dav", "dav_fs", "mpm_event"], ENABLED) == [
        "mpm_event.load", "dav_fs.conf", "mpm_event.conf"]
    assert apache_module_links(found, ["dav"], ENABLED + "/") == []
    assert apache_module_links(apache_files([]), ["dav"], ENABLED) == ["dav.load"]
