# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX credential types inject exactly what the modules and roles read."""

from __future__ import annotations

import re

import jinja2
import pytest
import yaml

from servers import ROOT

AWX = ROOT / "extensions" / "awx"
CREDENTIAL_TYPES = sorted((AWX / "credential_types").glob("*.yml"))
TEMPLATE_VAR = re.compile(r"{{\s*(\w+)\s*}}")


def _module_env_names():
    names = set()
    for module in (ROOT / "plugins" / "modules").glob("*.py"):
        for group in re.findall(r"env_fallback, \[([^\]]*)\]", module.read_text()):
            names.update(re.findall(r"[\"']([A-Z0-9_]+)[\"']", group))
    return names


def _role_variables():
    names = set()
    for spec in (ROOT / "roles").glob("*/meta/argument_specs.yml"):
        for entry in yaml.safe_load(spec.read_text())["argument_specs"].values():
            names.update((entry.get("options") or {}).keys())
    return names


def test_there_is_a_credential_type_for_each_secret_holder():
    names = {p.stem for p in CREDENTIAL_TYPES}
    assert {"exec_gax", "exec_configdb", "exec_registry", "exec_webdav", "exec_gc_oauth", "exec_redis"} <= names


@pytest.mark.parametrize("path", CREDENTIAL_TYPES, ids=lambda p: p.stem)
def test_credential_type_is_consistent(path):
    ctype = yaml.safe_load(path.read_text())
    assert ctype["kind"] == "cloud" and ctype["name"]
    fields = {f["id"]: f for f in ctype["inputs"]["fields"]}
    assert set(ctype["inputs"]["required"]) <= set(fields)
    for fid, field in fields.items():
        if re.search(r"password|secret", fid):
            assert field.get("secret") is True, "%s must be a secret input" % fid
    injectors = ctype["injectors"]
    templates = list(injectors.get("env", {}).values()) + list(injectors.get("extra_vars", {}).values())
    for template in templates:
        assert set(TEMPLATE_VAR.findall(template)) <= set(fields), template
    # Environment variables: only those the modules read.
    assert set(injectors.get("env", {})) <= _module_env_names()
    # Extra vars: documented role variables, or the inventory contract's shared exec_* values.
    known = _role_variables()
    for var in injectors.get("extra_vars", {}):
        assert var in known or var.startswith("exec_"), var
    # Rendered with sample inputs, every injected value is the input it names (AWX renders with Jinja too).
    sample = {fid: "value-of-%s" % fid for fid in fields}
    for template in templates:
        rendered = jinja2.Template(template).render(**sample)
        assert rendered == sample[TEMPLATE_VAR.findall(template)[0]]


def test_shared_exec_variables_are_read_by_the_roles():
    """Every exec_* extra var a credential injects is used by some role default."""
    defaults = "\n".join(p.read_text() for p in (ROOT / "roles").glob("*/defaults/main.yml"))
    inventory = (ROOT / "inventories" / "example" / "group_vars" / "all.yml").read_text()
    for path in CREDENTIAL_TYPES:
        for var in yaml.safe_load(path.read_text())["injectors"].get("extra_vars", {}):
            if var.startswith("exec_"):
                assert var in defaults or var in inventory, "%s is injected but nothing reads it" % var


def test_job_template_survey_variables_exist():
    template = yaml.safe_load((AWX / "job_template.yml").read_text())
    assert template["playbook"] == "site.yml" and (ROOT / template["playbook"]).exists()
    known = _role_variables() | {"exec_exrp_serial", "exec_allow_single_exrp", "exec_lock_break"}
    for question in template["survey_spec"]["spec"]:
        assert question["variable"] in known, question["variable"]
