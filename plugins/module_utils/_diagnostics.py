# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host_diagnostics module's backend: one host's part of the support bundle, read in one call and masked before
it leaves the host.

collect() runs the status commands, reads the configuration files and the .env files, asks the health and metrics
URLs and tails the logs of the host's containers; every text it returns is masked (module_utils/_masking.py): the
secret keys of the .env files, and every secret value given or found in those .env files, wherever it appears.
It only reads.

Private to this collection; the API may change without notice.
"""

from __future__ import annotations

import os

from ansible_collections.engage_exec.recording.plugins.module_utils._masking import (
    env_secret_values, exec_mask_env, exec_mask_text)

CONTAINER_FORMAT = "{{.Names}}\t{{.Image}}\t{{.State}}\t{{.Status}}"


def bundle_name(path) -> str:
    """A path as one file name of the bundle: /opt/genesys/exec/exrp/.env -> opt_genesys_exec_exrp_.env."""
    return str(path).strip("/").replace("/", "_") or "root"


def url_name(url) -> str:
    """http://127.0.0.1:3660/health -> 127.0.0.1_3660_health."""
    rest = str(url).split("://", 1)[-1]
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in rest).strip("_")


def _command_text(argv, result) -> str:
    rc, out, err = result
    return "$ %s\n# rc=%s\n%s%s" % (" ".join(argv), rc, out, ("\n# stderr:\n" + err) if err else "")


def env_files(dirs, walk=None):
    """Every file named .env under dirs (sorted)."""
    walk = walk or os.walk
    found = []
    for top in dirs:
        for root, _dirs, files in walk(top):
            found += [os.path.join(root, f) for f in files if f == ".env"]
    return sorted(found)


def collect(params, run, read, get, docker=None) -> dict:
    """{path in the bundle: masked text} for one host.

    params: commands [{name, argv}], files [path], env_dirs [path], urls [url], log_lines, secret_values.
    run(argv) -> (rc, stdout, stderr); read(path) -> text (raises OSError); get(url) -> (status, body, error);
    docker: the docker binary, or None (no container part).
    """
    raw = {}
    env_texts = {}
    for path in env_files(params.get("env_dirs") or []):
        try:
            env_texts[path] = read(path)
        except OSError as exc:
            raw["env/%s" % bundle_name(path)] = "# not read: %s\n" % exc
    secrets = list(params.get("secret_values") or [])
    for text in env_texts.values():
        secrets += env_secret_values(text)
    for command in params.get("commands") or []:
        raw["commands/%s.txt" % command["name"]] = _command_text(command["argv"], run(command["argv"]))
    for path in params.get("files") or []:
        try:
            raw["config/%s" % bundle_name(path)] = read(path)
        except OSError as exc:
            raw["config/%s" % bundle_name(path)] = "# not read: %s\n" % exc
    for url in params.get("urls") or []:
        status, body, error = get(url)
        raw["http/%s.txt" % url_name(url)] = "GET %s\n# status=%s%s\n%s" % (
            url, status, (" " + error) if error else "", body or "")
    if docker:
        argv = [docker, "ps", "-a", "--format", CONTAINER_FORMAT]
        listing = run(argv)
        raw["commands/containers.txt"] = _command_text(argv, listing)
        for line in listing[1].splitlines():
            name = line.split("\t")[0].strip()
            if name:
                logs = [docker, "logs", "--tail", str(params.get("log_lines") or 200), "--timestamps", name]
                rc, out, err = run(logs)
                raw["logs/%s.log" % name] = "# rc=%s\n%s%s" % (rc, out, err)
    masked = {path: exec_mask_text(text, secrets) for path, text in raw.items()}
    for path, text in env_texts.items():
        masked["env/%s" % bundle_name(path)] = exec_mask_env(text, secrets)
    return masked
