# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bad-input half of the fault matrix (cases.py): every case fails, its message names the input and the fix,
and nothing changed (files, registry, Config DB rows, local images, no host reached)."""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import subprocess
from pathlib import Path

import pytest
import requests

import servers
from cases import by_id, by_layer
from faults_helpers import SECRETS, RoleRunner
from exrp_image_helpers import image_exists, registry_tags

HERE = Path(__file__).parent
ROOT = servers.ROOT
GOOD_SECTIONS = {"agent_state_sync": {"client_id": "fault-client", "client_secret": "fault-gc-secret-4242",
                                      "agent_polling_interval": "30"}}


def _params(cases):
    return [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else []) for c in cases]


def _resolve(value, ctx):
    """``@name`` strings (also inside lists and dicts) from ``ctx``."""
    if isinstance(value, str) and value.startswith("@"):
        return ctx[value[1:]]
    if isinstance(value, dict):
        return {k: _resolve(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, ctx) for v in value]
    return value


def _flat(text):
    return " ".join(str(text).split())


def _assert_message(case, text, ctx):
    flat = _flat(text)
    for fragment in case.fragments:
        fragment = str(_resolve(fragment, ctx))
        assert fragment in flat, "%s: %r not in the message:\n%s" % (case.id, fragment, flat[-3000:])


# ------------------------------------------------------------------------------------------------------ modules
def _catalog(registry):
    r = requests.get("https://%s/v2/_catalog" % registry.address, auth=(registry.username, registry.password),
                     verify=str(registry.ca_path), timeout=10)
    r.raise_for_status()
    return r.json().get("repositories") or []


def _local_images(registry_address, refs):
    """Local images named after the test registry, and which of the archive's images exist (other agents build
    images on this engine at the same time: the whole list is not ours to compare)."""
    out = subprocess.run(["docker", "images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return sorted(row for row in out if row.startswith(registry_address + "/")), \
        [ref for ref in refs if image_exists(ref)]


def _sha256(path: Path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _module_setup(case, request, tmp_path):
    """(args, ctx, snapshot function, secrets that must not be printed) for a module case."""
    run = case.run
    ctx = {"pki.ca": None, "closed.address": "127.0.0.1:%d" % servers.free_port()}
    if "@silent." in str(run):
        ctx["silent.address"] = "127.0.0.1:%d" % request.getfixturevalue("silent_port")
    secrets_ = ["wrong-password-0000"]
    if "pki" in str(run) or run.get("base", "").startswith("gax_") or run.get("server"):
        ctx["pki.ca"] = str(request.getfixturevalue("pki").ca_path)
    module = run["module"]
    if module == "cme_hybrid_transaction":
        db = request.getfixturevalue("configdb")
        db.reset()
        args = {"tenant": "Environment", "sections": GOOD_SECTIONS, "timeout": 5, "retries": 0}
        if run["base"] == "configdb":
            args.update(db.module_args(), backend="configdb")
            secrets_.append(db.pg.password)
        else:
            server = request.getfixturevalue(run["base"])
            args.update(server.module_args())
            secrets_.append(server.password)
        if run.get("folders") == "ambiguous":  # GAX shows no folder class/content type; two root "Transactions"
            db.add_folder(210, "Transactions", folder_class="CFGFCUser")
            request.addfinalizer(db.reset)
            server.folder_shape("bare")
            request.addfinalizer(lambda: server.folder_shape("model"))
        return args, ctx, db.snapshot, secrets_
    if module == "exrp_image":
        registry = request.getfixturevalue("registry")
        args = {"registry": registry.address, "registry_username": registry.username,
                "registry_password": registry.password, "ca_path": str(registry.ca_path),
                "scan_cache_dir": str(tmp_path / "scan-cache"), "download_dir": str(tmp_path / "download")}
        secrets_.append(registry.password)
        refs = []
        if run["archive"] in ("one", "two", "big"):
            arc = request.getfixturevalue("archives").make(
                "100.0.100.%d" % (40 + len(run["archive"])), extra_images=1 if run["archive"] == "two" else 0,
                random_mb=150 if run["archive"] == "big" else 0)
            args.update(src=str(arc["path"]), checksum=arc["checksum"])
            refs = arc["refs"] + [arc["image_id"]]
        elif run["archive"] == "corrupt":
            path = tmp_path / "exrp-100.0.100.3.tgz"
            path.write_bytes(b"\x1f\x8b" + os.urandom(64 * 1024))
            args.update(src=str(path), checksum="sha256:" + _sha256(path))

        def snapshot():
            return _catalog(registry), registry_tags(registry), _local_images(registry.address, refs)
        return args, ctx, snapshot, secrets_
    if module == "env_file":
        env = tmp_path / "exec" / ".env"
        env.parent.mkdir()
        env.write_text(run["existing"])
        env.chmod(0o640)
        args = {"path": str(env)}

        def snapshot():
            return _sha256(env), oct(env.stat().st_mode), sorted(p.name for p in env.parent.iterdir())
        return args, ctx, snapshot, secrets_
    if module == "htpasswd_users":
        pwfile = tmp_path / "webdav" / "htpasswd"
        pwfile.parent.mkdir()
        subprocess.run(["htpasswd", "-B", "-i", "-c", str(pwfile), "mcp"], input="mcp-" + "secret-1\n", text=True,
                       check=True, capture_output=True)
        args = {"path": str(pwfile) if not run.get("missing") else str(pwfile.parent / "missing")}
        secrets_.append("mcp-" + "secret-1")

        def snapshot():
            return sorted((p.name, _sha256(p), oct(p.stat().st_mode)) for p in pwfile.parent.iterdir())
        return args, ctx, snapshot, secrets_
    if module == "config_files":
        folder = tmp_path / "conf"
        folder.mkdir()
        (folder / "site.conf").write_text("Listen 80\n")
        (folder / "site.conf").chmod(0o644)
        (folder / "site-link.conf").symlink_to("site.conf")
        ctx.update({"dir.site": str(folder / "site.conf"), "dir.extra": str(folder / "extra.conf"),
                    "dir.missing": str(folder / "missing" / "x.conf")})

        def snapshot():
            return sorted((p.name, os.readlink(p) if p.is_symlink() else _sha256(p), oct(p.lstat().st_mode))
                          for p in folder.iterdir())
        return {}, ctx, snapshot, secrets_
    args = {}
    server = run.get("server")
    if server:
        if server == "tls_expired":  # openssl s_server with an expired certificate (the preflight tests' fixture)
            srv = request.getfixturevalue("tls_servers")["expired"]
        else:
            srv = request.getfixturevalue({"redis": "redis_server"}.get(server, server))
        ctx["server.port"] = getattr(srv, "tls_port", None) or srv.port
        ctx["server.password"] = getattr(srv, "password", None)
        if ctx["server.password"]:
            secrets_.append(ctx["server.password"])
    return args, ctx, (lambda: None), secrets_


@pytest.mark.parametrize("case", _params(by_layer("module") + [by_id("default-redis-tls-untrusted-refused")]))
def test_module_bad_input(case, request, tmp_path):
    args, ctx, snapshot, hidden = _module_setup(case, request, tmp_path)
    args.update(_resolve(case.run.get("args", {}), ctx))
    args = {k: v for k, v in args.items() if v is not None}
    before = snapshot()
    result = servers.module_result(servers.module_popen(case.run["module"], args, tmp_path))
    assert result.get("failed") is True, "%s did not fail: %s" % (case.id, result)
    assert result.get("changed") in (None, False), result
    _assert_message(case, result.get("msg", ""), ctx)
    assert snapshot() == before, "%s changed something" % case.id
    for secret in hidden:
        assert secret not in result["_stdout"], "%s printed a secret" % case.id


# ------------------------------------------------------------------------------------------------ roles, inventory
# Each of these cases is one ansible-playbook run (seconds of start-up, mostly waiting for a core): the first test
# that asks starts every selected case, WORKERS at a time; each test then judges its own run.
WORKERS = 3
_RUNS: dict = {}


def _mutation(run):
    from test_site_validation import _exrp  # pylint: disable=import-outside-toplevel

    def mutate(hosts, gvars):
        for name in run.get("pop", []):
            gvars.pop(name)
        gvars.update(run.get("group_vars", {}))
        if "exrp_hosts" in run:
            _exrp(hosts).update(hosts=run["exrp_hosts"])
    return mutate


def _run_case(case, workdir: Path, playbook):
    """(CompletedProcess, sha256 of the inventory files before) of a role or inventory case."""
    if case.layer == "role":
        return RoleRunner(workdir, playbook)(case.run["role"], case.run["vars"], case.run.get("facts")), None
    from test_site_validation import _inventory  # pylint: disable=import-outside-toplevel
    inv = _inventory(workdir, _mutation(case.run))
    before = {p: _sha256(p) for p in sorted(inv.rglob("*")) if p.is_file()}
    return playbook(ROOT / "playbooks" / "validate.yml", inv), (inv, before)


@pytest.fixture
def case_run(request, tmp_path_factory, playbook):
    """``case_run(case)``: the run of a role or inventory case (all selected ones started together)."""
    if not _RUNS:
        selected = [item.callspec.params["case"] for item in request.session.items
                    if getattr(item, "callspec", None) and "case" in item.callspec.params
                    # other test files have a "case" parameter too (strings): only this file's Case rows
                    and getattr(item.callspec.params["case"], "layer", None) in ("role", "inventory")]
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            futures = {c.id: pool.submit(_run_case, c, tmp_path_factory.mktemp(c.id), playbook) for c in selected}
        _RUNS.update({case_id: f.result() for case_id, f in futures.items()})
    return lambda case: _RUNS[case.id]


@pytest.mark.parametrize("case", _params(by_layer("role")))
def test_role_bad_input(case, case_run):
    proc = case_run(case)[0]
    assert proc.returncode != 0, proc.stdout[-3000:]
    _assert_message(case, proc.stdout, {})
    assert "UNREACHABLE" not in proc.stdout and "unreachable=0" in _flat(proc.stdout), \
        "a task reached the host before the bad input was refused:\n" + proc.stdout[-3000:]
    for secret in list(SECRETS.values()):
        assert secret not in proc.stdout


@pytest.mark.parametrize("case", _params(by_layer("inventory")))
def test_inventory_bad_input(case, case_run):
    run, (inv, before) = case_run(case)
    if case.run.get("accepted"):  # accepted as given, with a warning
        assert run.returncode == 0, run.stdout[-3000:]
        assert "The inventory is not usable" not in run.stdout
    else:
        assert run.returncode != 0, run.stdout[-3000:]
        assert "The inventory is not usable (nothing was changed on any host)" in run.stdout
    _assert_message(case, run.stdout, {})
    assert "UNREACHABLE" not in run.stdout
    assert {p: _sha256(p) for p in sorted(inv.rglob("*")) if p.is_file()} == before


def test_every_case_id_is_unique():
    from cases import CASES  # pylint: disable=import-outside-toplevel
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len([c for c in CASES if c.layer != "default"]) >= 30
