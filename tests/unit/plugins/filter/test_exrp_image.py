# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The exrp_image role's input check: the module's rules (module_utils/_exrp_ref.py) over the role's variables."""

from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.filter.exrp_image import FilterModule, exrp_image_input_problems

GOOD = {"exrp_image_src": "/srv/exrp-100.0.100.5.tgz", "exrp_image_checksum": "sha256:" + "ab" * 32,
        "exrp_image_registry": "reg.example:5000", "exrp_image_repository": "exec/exrp", "exrp_image_tag": "",
        "exrp_image_url_username": "", "exrp_image_url_password": "", "exrp_image_delegate_to": ""}


def test_usable_input_has_no_problem():
    assert exrp_image_input_problems(GOOD, ["exrp-node-1"]) == []
    assert exrp_image_input_problems(dict(GOOD, exrp_image_delegate_to="exrp-node-1"), ["exrp-node-1"]) == []


def test_each_problem_names_its_variable():
    assert exrp_image_input_problems(dict(GOOD, exrp_image_checksum="ab" * 32)) == ["exrp_image_checksum"]
    assert exrp_image_input_problems(dict(GOOD, exrp_image_registry="registry.example.com")) == [
        "exrp_image_registry"]
    assert exrp_image_input_problems(dict(GOOD, exrp_image_src="/srv/image.tgz")) == ["exrp_image_tag"]
    assert exrp_image_input_problems(dict(GOOD, exrp_image_src="/srv/image.tgz", exrp_image_tag=100)) == []
    assert exrp_image_input_problems(dict(GOOD, exrp_image_url_password="pw")) == ["exrp_image_url_username"]
    assert exrp_image_input_problems(dict(GOOD, exrp_image_delegate_to="nowhere"), ["exrp-node-1"]) == [
        "exrp_image_delegate_to"]


def test_missing_and_null_values_are_empty_text():
    assert exrp_image_input_problems({"exrp_image_tag": None}) == [
        "exrp_image_src", "exrp_image_checksum", "exrp_image_registry", "exrp_image_repository"]


def test_registered():
    assert FilterModule().filters()["exrp_image_input_problems"] is exrp_image_input_problems
