# SPDX-License-Identifier: GPL-3.0-or-later
"""site.yml the way AWX runs it, against a fresh lab, with everything a change of the collection could break there.

One fresh lab, four runs of site.yml through ``ansible-runner`` in an AWX-shaped private data directory
(project/, inventory/, env/extravars, env/envvars, env/cmdline; the credentials rendered from the credential types in
extensions/awx exactly as AWX injects them, the lab inventory's credentials.yml left out):

1. ``--check --diff`` on the fresh lab runs to the end and changes nothing (files, containers, Config DB, registry);
2. the real run at ``-vvv --diff`` converges, and recordings flow end to end;
3. ``--check --diff`` on the converged lab reports ``changed=0`` and changes nothing;
4. the audit: no secret of the lab in any output of the runs (stdout and job events), none in the arguments of any
   process or container, and the files holding secrets have the right mode and owner.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import jinja2
import pytest
import yaml

import labctl as lab
from servers import ROOT, VENV_BIN

CREDENTIAL_TYPES = ROOT / "extensions" / "awx" / "credential_types"


def credential_inputs():
    """What an AWX admin would type into each credential of the lab (credential type -> inputs)."""
    secret = lab.secrets()
    user = (lab.SECRETS / "registry_user").read_text().strip()
    return {
        "exec_gax": {"gax_url": "https://lab-engage:8443", "gax_username": "gaxadmin", "gax_password": secret["gax"]},
        "exec_configdb": {"username": "config_reader", "password": secret["configdb_reader"],
                          "sslmode": "verify-full"},
        "exec_registry": {"username": user, "password": secret["registry"]},
        "exec_webdav": {"mcp_username": "mcp", "mcp_password": secret["webdav_mcp"], "exrp_username": "exrp",
                        "exrp_password": secret["webdav_exrp"]},
        "exec_gc_oauth": {"client_id": (lab.SECRETS / "gc_client_id").read_text().strip(),
                          "client_secret": secret["gc_client_secret"]},
        "exec_redis": {"password": secret["redis"]},
    }


def inject(inputs):
    """AWX's injection: render every credential type's injectors with the credential's inputs."""
    extravars, envvars = {}, {}
    for name, values in inputs.items():
        injectors = yaml.safe_load((CREDENTIAL_TYPES / (name + ".yml")).read_text())["injectors"]
        for key, template in injectors.get("extra_vars", {}).items():
            extravars[key] = jinja2.Template(template).render(**values)
        for key, template in injectors.get("env", {}).items():
            envvars[key] = jinja2.Template(template).render(**values)
    return extravars, envvars


class Runner:
    """An AWX-shaped private data directory and the runs made in it."""

    def __init__(self, base):
        self.pdd = base / "pdd"
        project = self.pdd / "project"
        # The project: the checkout's files as git sees them (tracked and new, not the ignored caches).
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                               check=True, capture_output=True, text=True).stdout.split("\0")
        for name in filter(None, files):
            if (ROOT / name).is_file():
                (project / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, project / name)
        inventory = self.pdd / "inventory"
        shutil.copytree(lab.INVENTORY, inventory, ignore=shutil.ignore_patterns("credentials.yml"))
        extravars, envvars = inject(credential_inputs())
        envvars.update(ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"),
                       ENGAGE_LAB_CACHE=str(lab.CACHE), ANSIBLE_FORCE_COLOR="0")
        (self.pdd / "env").mkdir()
        (self.pdd / "env" / "extravars").write_text(yaml.safe_dump(extravars))
        (self.pdd / "env" / "envvars").write_text(yaml.safe_dump(envvars))
        self.extravars = extravars
        self.runs = {}

    def run(self, ident, cmdline):
        (self.pdd / "env" / "cmdline").write_text(cmdline)
        env = {k: v for k, v in os.environ.items() if k != "ANSIBLE_CONFIG"}  # AWX: the project's ansible.cfg
        proc = subprocess.run([str(VENV_BIN / "ansible-runner"), "run", str(self.pdd), "-p", "site.yml",
                               "--ident", ident], env=env, capture_output=True, text=True, check=False,
                              timeout=3600)
        artifacts = self.pdd / "artifacts" / ident
        events = [json.loads(p.read_text()) for p in sorted((artifacts / "job_events").glob("*.json"))]
        stats = next((e["event_data"] for e in events if e.get("event") == "playbook_on_stats"), {})
        result = {"rc": proc.returncode, "status": (artifacts / "status").read_text().strip(),
                  "stdout": (artifacts / "stdout").read_text(), "stats": stats, "artifacts": artifacts}
        self.runs[ident] = result
        return result


def _tail(result):
    return result["stdout"][-6000:]


@pytest.fixture(scope="module")
def fresh_lab():
    lab.down()
    lab.up()
    yield
    lab.down()


@pytest.fixture(scope="module")
def runner(fresh_lab, tmp_path_factory):
    return Runner(tmp_path_factory.mktemp("awx"))


@pytest.fixture(scope="module")
def check_on_fresh_lab(runner):
    lab.mark()
    before = lab.snapshot()
    result = runner.run("check-fresh", "--check --diff")
    return result, before, lab.snapshot(), lab.changed_files()


@pytest.fixture(scope="module")
def converge(runner, check_on_fresh_lab):
    return runner.run("converge", "-vvv --diff")


@pytest.fixture(scope="module")
def check_on_converged_lab(runner, converge):
    lab.mark()
    before = lab.snapshot()
    result = runner.run("check-converged", "--check --diff")
    return result, before, lab.snapshot(), lab.changed_files()


def test_the_credential_types_carry_every_lab_credential(runner):
    """The lab inventory's credentials.yml holds nothing the AWX credentials would not inject."""
    lab_credentials = yaml.safe_load((lab.INVENTORY / "group_vars" / "all" / "credentials.yml").read_text())
    assert set(lab_credentials) - {"__lab_secret"} <= set(runner.extravars)


def test_check_mode_on_a_fresh_lab_runs_to_the_end_and_changes_nothing(check_on_fresh_lab):
    """ansible-runner, --check --diff: successful; files, directories, containers, images, Config DB rows and registry
    tags identical before and after.
    """
    result, before, after, written = check_on_fresh_lab
    assert result["rc"] == 0 and result["status"] == "successful", _tail(result)
    assert not result["stats"].get("failures") and not result["stats"].get("dark")
    assert result["stats"].get("changed"), "check mode on a fresh lab must report what it would change"
    assert after == before
    assert written == {}


def test_the_awx_run_converges_and_recordings_flow(converge):
    """ansible-runner at -vvv --diff with the credentials injected as AWX does: successful; 20 recordings arrive
    intact; one hybrid_integration object.
    """
    assert converge["rc"] == 0 and converge["status"] == "successful", _tail(converge)
    assert not converge["stats"].get("failures") and not converge["stats"].get("dark")
    summary = lab.mcp(20)
    assert summary["ok"], summary
    assert summary["arrived"] == 20 and summary["duplicates"] == 0
    objects = lab.configdb("select count(*) from cfg_transaction where name = 'hybrid_integration'")
    assert objects.strip() == "1"


def test_check_mode_on_the_converged_lab_reports_no_change(check_on_converged_lab):
    """ansible-runner, --check --diff after the converge: changed=0 on every host, nothing written; the EXRP nodes,
    in the desired state, were checked together and none was queued for the one-at-a-time play."""
    result, before, after, written = check_on_converged_lab
    assert result["rc"] == 0 and result["status"] == "successful", _tail(result)
    assert result["stats"].get("changed", {}) == {}, result["stats"].get("changed")
    assert after == before
    assert written == {}
    # (the runner's pty may add carriage returns and colours)
    rollout = (r"PLAY \[Steps 4 and 5c - EXRP nodes that serve and need a change[^\n]*\n(?:\x1b\[[0-9;]*m|\s)*"
               r"skipping: no hosts matched")
    assert re.search(rollout, result["stdout"]), _tail(result)


def test_no_secret_in_any_output_of_the_runs(runner, check_on_converged_lab):
    """-vvv and --diff included: stdout and every job event of every run. Not the runner's `command` file: it is its
    copy of the inputs (the environment AWX injects, as env/envvars), not output."""
    found = []
    for ident, result in runner.runs.items():
        for path in result["artifacts"].rglob("*"):
            if not path.is_file() or path.name == "command":
                continue
            text = path.read_text(errors="replace")
            found += ["%s in %s" % (name, path.relative_to(runner.pdd)) for name, value in lab.secrets().items()
                      if value in text]
    assert len(runner.runs) == 3
    assert found == []


def test_no_secret_in_process_or_container_arguments(converge):
    """ps of every lab host (nested containers included) and docker inspect (Path, Args, Cmd, Entrypoint, Labels) of
    every container: none of the lab's secrets.
    """
    secrets = lab.secrets()
    leaks = []
    for host in lab.containers():
        args = lab.dexec(host, "ps", "-eo", "args", check=False).stdout
        leaks += ["%s in the processes of %s" % (n, host) for n, v in secrets.items() if v in args]
    for host in lab.hosts_with_engine():
        ids = lab.dexec(host, "docker", "ps", "-q").stdout.split()
        for info in json.loads(lab.dexec(host, "docker", "inspect", *ids).stdout) if ids else []:
            visible = json.dumps([info["Path"], info["Args"], info["Config"]["Cmd"], info["Config"]["Entrypoint"],
                                  info["Config"]["Labels"]])
            leaks += ["%s in %s:%s" % (n, host, info["Name"]) for n, v in secrets.items() if v in visible]
    assert leaks == []


@pytest.mark.parametrize("host,path,mode,owner", [
    ("lab-exrp1", "/opt/genesys/exec/exrp/.env", "600", "root:root"),
    ("lab-exrp2", "/opt/genesys/exec/exrp/.env", "600", "root:root"),
    ("lab-exec", "/opt/genesys/exec/excp/.env", "600", "root:root"),
    ("lab-webdav", "/etc/exec-webdav/htpasswd", "640", "root:www-data"),
])
def test_files_holding_secrets_are_private(converge, host, path, mode, owner):
    """EXRP and EXCP .env files 0600 root:root, htpasswd 0640 root:www-data, backups included."""
    out = lab.dexec(host, "sh", "-c", "stat -c '%a %U:%G %n' " + path + " " + path + ".*~ 2>/dev/null || true")
    lines = [line.split(" ", 2) for line in out.stdout.splitlines()]
    assert any(line[2] == path for line in lines), out.stdout
    assert all(line[:2] == [mode, owner] for line in lines), out.stdout
