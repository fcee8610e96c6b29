# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection as people install it and as Galaxy imports it (make publish-check): the built tarball, what it
leaves out, Galaxy's importer and antsibull-docs on it, the installed playbooks, ansible-doc, the EE context."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile

import pytest
import yaml

from servers import ROOT

pytestmark = pytest.mark.publish

BIN = ROOT / ".venv" / "bin"
DEPS = ROOT / ".cache" / "collections"

# Files and folders of a checkout that are for developing and testing the collection, not for using it.
DEV_FILES = ("ansible.cfg", ".ansible-lint", ".config", "pytest.ini", "Makefile", ".ci", ".gitignore", ".git",
             "hack", "tests", "lab", "molecule", "bench", "requirements", "inventories/lab", "ee",
             "execution-environment.yml", "site.yml", "changelogs/fragments", ".cache", ".venv", ".venv-core217")

# What galaxy-importer reports that this collection cannot avoid, each with the reason. Empty: every warning fails.
IMPORTER_KNOWN_WARNINGS: dict[str, str] = {}
# Galaxy refuses a collection without `repository` in galaxy.yml, and the project has no public address yet
# (README.md, "Reporting problems"): until it has one, the importer is given a copy of the tarball whose
# MANIFEST.json names this address, and only the importer sees it. Set `repository` in galaxy.yml to publish.
IMPORTER_ONLY_REPOSITORY = "https://repository.not-public-yet.invalid/engage_exec/recording"


def _run(cmd, cwd, env=None):
    full = dict(os.environ, PATH="%s:%s" % (BIN, os.environ["PATH"]), ANSIBLE_NOCOLOR="1")
    full.pop("ANSIBLE_CONFIG", None)
    full.update(env or {})
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=full, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    run = _run([BIN / "ansible-galaxy", "collection", "build", "--output-path", out, ROOT], cwd=out)
    assert run.returncode == 0, run.stdout + run.stderr
    (path,) = out.glob("engage_exec-recording-*.tar.gz")
    return path


def _members(path):
    with tarfile.open(path) as tar:
        return tar.getnames()


def _is_dev_file(name):
    return any(name == dev or name.startswith(dev + "/") for dev in DEV_FILES)


def _gitignored(paths):
    """The paths that .gitignore ignores (git check-ignore, whether or not they exist or are tracked)."""
    run = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "--no-index", "--stdin"], input="\n".join(paths),
                         capture_output=True, text=True, check=False)
    assert run.returncode in (0, 1), run.stderr
    return set(run.stdout.split())


def _plant_gitignored(tree):
    """One file for every pattern of .gitignore, at the top and one folder down: what a checkout holds after
    `make test` or a run of the preflight role (its report under playbook_dir)."""
    planted = []
    for line in (ROOT / ".gitignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith(("#", "!")):
            continue
        name = pattern.strip("/").replace("**", "x").replace("*", "x")
        as_dir = pattern.endswith("/") or "x." not in name
        anchored = "/" in pattern.rstrip("/")
        for base in ("",) if anchored else ("", "roles/preflight/"):
            rel = base + name + ("/planted.txt" if as_dir else "")
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            (tree / rel).write_text("planted by test_packaging\n")
            planted.append(rel)
    return planted


def test_tarball_leaves_out_development_files(tarball):
    names = _members(tarball)
    assert "LICENSE" in names and "GNU GENERAL PUBLIC LICENSE" in _read_member(tarball, "LICENSE")
    shipped_dev = [n for n in names if _is_dev_file(n)]
    assert not shipped_dev, shipped_dev
    assert not _gitignored(names), _gitignored(names)
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert not [k for k in ("repository", "documentation", "homepage", "issues")
                if "example" in str(galaxy.get(k, "")) or ".invalid" in str(galaxy.get(k, ""))], galaxy


def test_tarball_from_a_used_checkout_ships_nothing_gitignore_ignores(tmp_path):
    """A checkout after `make test`, `make lab` and a preflight run: caches, venvs, reports, built tarballs."""
    tree = tmp_path / "checkout"
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, text=True,
                             check=True).stdout.split("\0")
    for rel in filter(None, tracked):
        if (ROOT / rel).is_file():
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, tree / rel)
    planted = _plant_gitignored(tree)
    assert _gitignored(planted) == set(planted), set(planted) - _gitignored(planted)
    out = tmp_path / "build"
    out.mkdir()
    run = _run([BIN / "ansible-galaxy", "collection", "build", "--output-path", out, tree], cwd=out)
    assert run.returncode == 0, run.stdout + run.stderr
    (built,) = out.glob("engage_exec-recording-*.tar.gz")
    names = _members(built)
    assert "roles/preflight/tasks/main.yml" in names
    assert not _gitignored(names), sorted(_gitignored(names))
    assert not [n for n in names if _is_dev_file(n)]


def _read_member(tarball, name):
    with tarfile.open(tarball) as tar:
        return tar.extractfile(name).read().decode()


@pytest.fixture(scope="module")
def deps_only(tmp_path_factory):
    """The dependency collections (community.docker, ansible.posix) without the checkout's own
    engage_exec.recording, which .cache/collections also holds: the tools must see the tarball's."""
    path = tmp_path_factory.mktemp("deps")
    (path / "ansible_collections").mkdir()
    for namespace in ("community", "ansible"):
        (path / "ansible_collections" / namespace).symlink_to(DEPS / "ansible_collections" / namespace)
    return path


def _for_the_importer(tarball, dest):
    """The tarball as given to galaxy-importer: unchanged, or with IMPORTER_ONLY_REPOSITORY in MANIFEST.json when
    galaxy.yml names no repository (MANIFEST.json holds no checksum of itself; FILES.json is untouched)."""
    if yaml.safe_load((ROOT / "galaxy.yml").read_text()).get("repository"):
        return tarball
    copy = dest / tarball.name
    with tarfile.open(tarball) as src, tarfile.open(copy, "w:gz") as out:
        for member in src.getmembers():
            data = src.extractfile(member) if member.isfile() else None
            if member.name == "MANIFEST.json":
                manifest = json.load(data)
                assert manifest["collection_info"]["repository"] is None
                manifest["collection_info"]["repository"] = IMPORTER_ONLY_REPOSITORY
                raw = json.dumps(manifest, indent=4).encode()
                member.size = len(raw)
                data = io.BytesIO(raw)
            out.addfile(member, data)
    return copy


def test_galaxy_importer_accepts_the_tarball(tarball, deps_only, tmp_path):
    given = _for_the_importer(tarball, tmp_path)
    env = {"GALAXY_IMPORTER_CONFIG": str(ROOT / ".config" / "galaxy-importer.cfg"), "PYTHONPATH": str(deps_only),
           "HOME": os.environ.get("HOME", str(tmp_path))}
    run = _run([BIN / "python", "-m", "galaxy_importer.main", given], cwd=tmp_path, env=env)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Importer processing completed successfully" in output, output
    reported = [line for line in output.splitlines() if line.startswith(("WARNING", "ERROR"))]
    unexpected = [line for line in reported if not any(known in line for known in IMPORTER_KNOWN_WARNINGS)]
    assert not unexpected, "\n".join(unexpected)
    # ansible-lint ran (as Galaxy runs it) and so did ansible-doc: every module and role is in the import result.
    assert "Linting collection via ansible-lint" in output and "...ansible-lint run complete" in output
    result = json.loads((tmp_path / "importer_result.json").read_text())
    imported = {(c["content_type"], c["name"]) for c in result["contents"]}
    modules = {p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__"}
    roles = {p.name for p in (ROOT / "roles").iterdir() if (p / "tasks").is_dir()}
    assert {("module", m) for m in modules} | {("role", r) for r in roles} <= imported, imported
    assert result["requires_ansible"] == yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())[
        "requires_ansible"]
    documented = {c["content_name"] for c in result["docs_blob"]["contents"] if c["content_type"] == "module"
                  and c["doc_strings"] and c["doc_strings"].get("doc")}
    assert documented == modules, modules - documented
    guides = {f["name"] for f in result["docs_blob"]["documentation_files"]}
    assert {p.name for p in (ROOT / "docs").glob("*.md")} <= guides, guides


def test_antsibull_docs_lint_of_the_installed_tarball(tarball, deps_only, tmp_path):
    dest = tmp_path / "collections"
    run = _run([BIN / "ansible-galaxy", "collection", "install", "--offline", "--no-deps", "--force", "-p", dest,
                tarball], cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    installed = dest / "ansible_collections" / "engage_exec" / "recording"
    lint = _run([BIN / "antsibull-docs", "lint-collection-docs", "--plugin-docs", installed], cwd=installed,
                env={"ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (dest, deps_only)})
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr


def test_tarball_ships_the_collection_not_the_lab(tarball):
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    assert tarball.name == "engage_exec-recording-%s.tar.gz" % version
    for wanted in ("MANIFEST.json", "playbooks/site.yml", "playbooks/validate.yml", "meta/runtime.yml",
                   "meta/execution-environment.yml", "requirements.txt", "bindep.txt",
                   "plugins/filter/inventory.py", "roles/preflight/meta/argument_specs.yml", "README.md"):
        assert wanted in names, wanted
    for unwanted in ("tests", "lab", "molecule", "bench", "hack", ".cache", ".venv", ".venv-core217", "inventories/lab"):
        assert not any(n == unwanted or n.startswith(unwanted + "/") for n in names), unwanted


def test_installed_collection_runs_its_playbooks(tarball, tmp_path):
    dest = tmp_path / "collections"
    run = _run([BIN / "ansible-galaxy", "collection", "install", "--offline", "--no-deps", "-p", dest, tarball],
               cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    env = {"ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (dest, DEPS)}
    inventory = ROOT / "inventories" / "example"
    # Every play and role of site.yml resolves from the installed collection (not from the checkout).
    listed = _run([BIN / "ansible-playbook", "-i", inventory, "engage_exec.recording.site", "--list-tasks"],
                  cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for step in ("preflight", "hybrid_transaction", "exrp_image", "webdav", "load_balancer", "exrp_node",
                 "exec_services"):
        assert "engage_exec.recording.%s" % step in listed.stdout or step in listed.stdout, step
    validated = _run([BIN / "ansible-playbook", "-i", inventory, "engage_exec.recording.validate"], cwd=tmp_path,
                     env=env)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "failed=0" in validated.stdout
    assert str(ROOT) not in validated.stdout


def test_ansible_doc_lists_the_collection_from_the_checkout():
    run = _run([BIN / "ansible-doc", "-t", "filter", "-l", "engage_exec.recording"], cwd=ROOT,
               env={"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")})
    assert run.returncode == 0, run.stderr
    assert "engage_exec.recording.exec_inventory_problems" in run.stdout
    modules = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    for module in modules:
        doc = _run([BIN / "ansible-doc", "engage_exec.recording.%s" % module], cwd=ROOT,
                   env={"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")})
        assert doc.returncode == 0 and "EXAMPLES" in doc.stdout and "RETURN VALUES" in doc.stdout, module + doc.stderr


def test_execution_environment_context(tmp_path):
    ctx = tmp_path / "context"
    run = _run([BIN / "ansible-builder", "create", "-f", ROOT / "execution-environment.yml", "-c", ctx], cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    (build_file,) = [p for p in (ctx / "Containerfile", ctx / "Dockerfile") if p.exists()]
    containerfile = build_file.read_text()
    assert "ansible-galaxy collection install --offline --no-deps /tmp/engage-exec-collection/" in containerfile
    assert (ctx / "_build" / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert (ctx / "_build" / "bindep.txt").read_text() == (ROOT / "bindep.txt").read_text()
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert (ROOT / meta["dependencies"]["python"]).exists() and (ROOT / meta["dependencies"]["system"]).exists()
