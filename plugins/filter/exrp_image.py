# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The input check of the exrp_image role (its tasks/assert.yml), with the exrp_image module's own rules
(module_utils/_exrp_ref.py): the role refuses what the module would refuse, before anything runs."""

from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_ref import input_problems


def exrp_image_input_problems(variables, hosts=None):
    """The names of the exrp_image role variables that are missing or malformed; empty when the input is usable.
    ``variables`` maps the role's variable names to their values (survey strings or not); ``hosts`` (the inventory's
    host names, or ``hostvars``) is where ``exrp_image_delegate_to``, when set, must be."""
    def text(name):
        value = variables.get(name)
        return "" if value is None else str(value)
    problems = input_problems(text("exrp_image_src"), text("exrp_image_checksum"), text("exrp_image_registry"),
                              text("exrp_image_repository"), text("exrp_image_tag"),
                              text("exrp_image_url_username"), text("exrp_image_url_password"))
    delegate = text("exrp_image_delegate_to")
    if delegate and hosts is not None and delegate not in hosts:
        problems.append("exrp_image_delegate_to")
    return problems


class FilterModule(object):
    """exrp_image role filters."""

    def filters(self):
        return {"exrp_image_input_problems": exrp_image_input_problems}
