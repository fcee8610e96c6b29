# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Safe defaults (the ``default`` rows of cases.py): TLS verification on for GAX, the registry, Genesys Cloud and
Redis TLS; HAProxy's admin listener and socket not on a public address; WebDAV never anonymous.

Defaults are read from where Ansible takes them: the module's argument_spec (captured from its main()) and its
DOCUMENTATION, the role's defaults/main.yml and meta/argument_specs.yml; templates are rendered from the role defaults.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess

import pytest
import yaml

import servers
from cases import by_id, by_layer

ROOT = servers.ROOT
INSECURE_KEY = re.compile(r"\b[A-Z][A-Z0-9_]*(VERIFY|INSECURE|SKIP_TLS|NO_TLS|TLS_REJECT|SSL_NO)[A-Z0-9_]*\b")


class _Captured(Exception):
    pass


def _argument_spec(module_name, monkeypatch):
    """The argument_spec the module's main() hands to AnsibleModule (main() is stopped right there)."""
    mod = importlib.import_module("ansible_collections.engage_exec.recording.plugins.modules." + module_name)
    captured = {}

    def fake(*_args, **kwargs):
        captured.update(kwargs)
        raise _Captured()
    monkeypatch.setattr(mod, "AnsibleModule", fake)
    with pytest.raises(_Captured):
        mod.main()
    return mod, captured["argument_spec"]


def _documentation(mod):
    """The module's documentation as ansible-doc shows it: DOCUMENTATION with its doc fragments merged in."""
    name = "engage_exec.recording." + mod.__name__.rsplit(".", 1)[-1]
    out = subprocess.run([str(servers.ANSIBLE_BIN / "ansible-doc"), "--json", name], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)[name]["doc"]


def _lookup(tree, dotted, children):
    """``checks.validate_certs`` -> tree['checks'][children]['validate_certs']."""
    parts = dotted.split(".")
    node = tree[parts[0]]
    for part in parts[1:]:
        node = node[children][part]
    return node


def _role_yaml(role, *path):
    return yaml.safe_load(ROOT.joinpath("roles", role, *path).read_text())


def _summary_ok(case, facts):
    text = " ".join(facts)
    for fragment in case.fragments:
        assert fragment in text, "%s: %r not in %s" % (case.id, fragment, text)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in by_layer("default")
                                  if "role_option" in c.run])
def test_tls_verification_on_by_default(case, monkeypatch):
    run = case.run
    mod, spec = _argument_spec(run["module"], monkeypatch)
    doc = _documentation(mod)["options"]
    in_spec = _lookup(spec, run["option"], "options").get("default")
    in_doc = _lookup(doc, run["option"], "suboptions").get("default")
    role_default = _role_yaml(run["role"], "defaults", "main.yml")[run["role_option"]]
    role_spec = _role_yaml(run["role"], "meta", "argument_specs.yml")["argument_specs"]["main"]["options"][
        run["role_option"]]
    assert in_spec is True and in_doc is True, (in_spec, in_doc)
    assert role_default is True and role_spec.get("default") is True and role_spec["type"] == "bool"
    # ... and the role hands its option to the module (nowhere does the role hard-code verification off).
    used = " ".join(p.read_text() for p in ROOT.joinpath("roles", run["role"]).rglob("*")
                    if p.is_file() and p.parent.name in ("tasks", "templates"))
    assert re.search(r"validate_certs['\"]?:\s*['\"]?(\{\{)?\s*%s\s*\|\s*bool" % run["role_option"], used), \
        "%s does not pass %s to validate_certs" % (run["role"], run["role_option"])
    assert not re.search(r"validate_certs:\s*(false|no)\b", used, re.I)
    _summary_ok(case, ["%s=%s" % (run["option"].split(".")[-1], in_spec)])


def test_service_env_has_no_insecure_key():
    """No .env key that would turn TLS verification off (GC, Redis) is written by exrp_node or exec_services."""
    case = by_id("default-service-env-no-insecure-key")
    keys = dict(_role_yaml("exrp_node", "defaults", "main.yml")["exrp_node_env_keys"])
    keys.update(_role_yaml("exec_services", "defaults", "main.yml")["exec_services_env_keys"])
    bad = sorted(k for k, v in keys.items() if INSECURE_KEY.search(k) or INSECURE_KEY.search(str(v)))
    assert not bad, bad
    for role in ("exrp_node", "exec_services"):
        tasks = " ".join(p.read_text() for p in ROOT.joinpath("roles", role, "tasks").glob("*.yml"))
        assert not INSECURE_KEY.search(tasks), role
    _summary_ok(case, ["no VERIFY/INSECURE key"])


_RENDERED: dict = {}


@pytest.fixture
def rendered(tmp_path_factory, playbook):
    """haproxy.cfg and exec-webdav.conf (with and without read-only users) rendered from the role defaults (once)."""
    if _RENDERED:
        return _RENDERED
    out = tmp_path_factory.mktemp("rendered")
    lb, dav = ROOT / "roles" / "load_balancer", ROOT / "roles" / "webdav"
    users_rw = [{"name": "mcp", "password": "p-1"}]
    users_ro = users_rw + [{"name": "exrp", "password": "p-2", "access": "readonly"}]
    tasks = [{"name": "render " + name, "ansible.builtin.copy": {
        "content": "{{ lookup('ansible.builtin.template', '%s') }}" % template, "dest": str(out / name)},
        "vars": extra} for name, template, extra in (
            ("haproxy.cfg", lb / "templates" / "haproxy.cfg.j2",
             {"__load_balancer_servers": [{"name": "excp1", "address": "10.0.0.1", "port": 3650}]}),
            ("webdav-rw.conf", dav / "templates" / "exec-webdav.conf.j2", {"webdav_users": users_rw}),
            ("webdav-ro.conf", dav / "templates" / "exec-webdav.conf.j2", {"webdav_users": users_ro}))]
    play = [{"hosts": "localhost", "gather_facts": False, "vars_files": [
        str(lb / "defaults" / "main.yml"), str(lb / "vars" / "main.yml"), str(lb / "vars" / "Debian.yml"),
        str(dav / "defaults" / "main.yml"), str(dav / "vars" / "main.yml"), str(dav / "vars" / "Debian.yml")],
        "tasks": tasks}]
    path = out / "render.yml"
    path.write_text(json.dumps(play))
    python = ROOT / ".venv" / "bin" / "python"
    playbook(path, "localhost,", "-c", "local", "-e", "ansible_python_interpreter=%s" % python, check=True)
    _RENDERED.update({p.name: p.read_text() for p in out.iterdir() if p.name != "render.yml"})
    return _RENDERED


def _sections(cfg):
    """HAProxy sections: {'global': [lines], 'frontend admin': [lines], ...}."""
    sections, current = {}, None
    for line in cfg.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            current = line.strip()
            sections[current] = []
        elif current and line.strip() and not line.strip().startswith("#"):
            sections[current].append(line.strip())
    return sections


def test_haproxy_admin_not_public(rendered):
    case = by_id("default-haproxy-admin-loopback")
    spec = _role_yaml("load_balancer", "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert spec["load_balancer_admin_address"]["default"] == "127.0.0.1"
    sections = _sections(rendered["haproxy.cfg"])
    admin = sections["frontend admin"]
    binds = [line for line in admin if line.startswith("bind ")]
    assert binds == ["bind 127.0.0.1:8404"], binds
    socket_line = next(line for line in sections["global"] if line.startswith("stats socket"))
    assert socket_line.split()[2].startswith("/") and " mode 660 " in socket_line  # a unix socket, not ip:port
    # stats and the exporter are only on the admin frontend, never on the traffic frontend
    for name, lines in sections.items():
        if name not in ("frontend admin", "global"):
            assert not [line for line in lines if line.startswith("stats ") or "prometheus-exporter" in line], name
    _summary_ok(case, binds + [socket_line])


def _location(conf, path):
    match = re.search(r'<Location "%s">(.*?)</Location>' % re.escape(path), conf, re.S)
    assert match, conf
    return match.group(1)


@pytest.mark.parametrize("variant", ["webdav-rw.conf", "webdav-ro.conf"])
def test_webdav_apache_requires_auth_for_every_method(rendered, variant):
    conf = rendered[variant]
    path = _role_yaml("webdav", "defaults", "main.yml")["webdav_path"]
    block = _location(conf, path)
    assert "AuthType Basic" in block and "AuthUserFile" in block
    assert not re.search(r"Require\s+all\s+granted|Satisfy\s+any|AuthType\s+None", conf, re.I)
    assert re.search(r"<Location />\s*Require all denied\s*</Location>", conf)
    limit = re.search(r"<Limit ([A-Z ]+)>\s*(Require [^\n]+?)\s*</Limit>", block)
    limit_except = re.search(r"<LimitExcept ([A-Z ]+)>\s*(Require [^\n]+?)\s*</LimitExcept>", block)
    if limit or limit_except:
        # a Limit for some methods must be paired with a LimitExcept for the same set: every method is covered
        assert limit and limit_except and set(limit.group(1).split()) == set(limit_except.group(1).split())
        assert limit.group(2).startswith("Require valid-user"), limit.group(2)
        assert limit_except.group(2).startswith("Require user "), limit_except.group(2)
    else:
        assert re.search(r"^\s*Require valid-user\s*$", block, re.M), block


def test_webdav_refuses_to_run_without_users(role_runner):
    """Role defaults (webdav_users: []) never give an anonymous server: the role stops before touching the host."""
    case = by_id("default-webdav-never-anonymous")
    assert _role_yaml("webdav", "defaults", "main.yml")["webdav_users"] == []
    proc = role_runner("webdav", {"webdav_users": []})
    assert proc.returncode != 0 and "UNREACHABLE" not in proc.stdout
    _summary_ok(case, [" ".join(proc.stdout.split())])


def test_every_default_case_is_tested():
    tested = {c.id for c in by_layer("default") if "role_option" in c.run} | {
        "default-service-env-no-insecure-key", "default-haproxy-admin-loopback", "default-webdav-never-anonymous",
        "default-redis-tls-untrusted-refused"}  # the last one runs in test_faults.test_module_bad_input
    assert tested == {c.id for c in by_layer("default")}
