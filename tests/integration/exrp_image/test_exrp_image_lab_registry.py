# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""lab/registry/registry.py from the command line: a real registry, TLS from its own lab CA, htpasswd (bcrypt)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import requests

import exrp_image_helpers as h


def test_lab_registry_cli_start_stop(tmp_path):
    workdir = tmp_path / "lab-registry"
    script = str(h.ROOT / "lab" / "registry" / "registry.py")
    env = dict(os.environ, LAB_REGISTRY_PASSWORD="lab-registry-pw-42")
    out = subprocess.run([sys.executable, script, "start", "--dir", str(workdir)], check=True, capture_output=True,
                         text=True, env=env, timeout=60).stdout
    info = json.loads(out)
    try:
        base = "https://%s/v2/" % info["address"]
        # TLS verifies against the lab CA only
        try:
            requests.get(base, timeout=5)
            raise AssertionError("the registry certificate verified without the lab CA")
        except requests.exceptions.SSLError:
            pass
        anon = requests.get(base, verify=info["ca_path"], timeout=5)
        assert anon.status_code == 401 and anon.headers["WWW-Authenticate"].startswith("Basic ")
        bad = requests.get(base, verify=info["ca_path"], auth=("exec", "wrong"), timeout=5)
        assert bad.status_code == 401
        good = requests.get(base, verify=info["ca_path"], auth=("exec", "lab-registry-pw-42"), timeout=5)
        assert good.status_code == 200 and good.headers["Docker-Distribution-API-Version"] == "registry/2.0"
        htpasswd = (workdir / "htpasswd").read_text()
        assert htpasswd.startswith("exec:$2y$") and "lab-registry-pw-42" not in htpasswd
        assert oct((workdir / "htpasswd").stat().st_mode & 0o777) == "0o600"
        assert "lab-registry-pw-42" not in (workdir / "config.yml").read_text()
    finally:
        subprocess.run([sys.executable, script, "stop", "--dir", str(workdir)], check=True, timeout=30)
    try:
        requests.get("https://%s/v2/" % info["address"], verify=info["ca_path"], timeout=2)
        raise AssertionError("the registry still answers after stop")
    except requests.exceptions.ConnectionError:
        pass
