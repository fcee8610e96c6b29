# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The exrp_image role: once per play, download into the cache only when needed, digest published to every host."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path


import exrp_image_helpers as h

HERE = Path(__file__).parent


def test_role_check_real_check_real(playbook, registry, archives, pki, tmp_path):
    arc = archives.make("100.0.100.91", subdir="vendor")
    web = h.HTTPSServer(arc["path"].parent, pki.issue("vendor-web"))
    cache = tmp_path / "cache"
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[exrp]\nexrp-node-1\nexrp-node-2\n\n[exrp:vars]\nansible_python_interpreter=%s\n"
                         % h.PYTHON)
    name = arc["path"].name
    extra = {"exrp_image_src": web.url(name), "exrp_image_checksum": arc["checksum"],
             "exrp_image_url_ca_path": str(pki.ca_path), "exrp_image_cache_dir": str(cache),
             "exec_registry": registry.address, "exrp_image_registry_username": registry.username,
             "exrp_image_registry_password": registry.password, "exrp_image_ca_path": str(registry.ca_path),
             "exrp_image_force": "false", "exrp_image_validate_certs": "True",  # survey-style strings
             "exrp_image_scan_cache_dir": str(tmp_path / "scans"),
             "exrp_image_python_packages": []}  # the venv interpreter already has requests and docker

    def run(check):
        facts = tmp_path / ("facts-%s" % os.urandom(3).hex())
        facts.mkdir()
        proc = playbook(HERE / "role.yml", inventory, "-v", *(["--check"] if check else []),
                        extra_vars=dict(extra, exrp_facts_dir=str(facts)), check=True)
        assert registry.password not in proc.stdout
        assert len(re.findall(r"EXRP archive into the registry", proc.stdout)) == 1, "the push task ran more than once"
        per_host = {p.stem: json.loads(p.read_text()) for p in facts.glob("*.json")}
        assert set(per_host) == {"exrp-node-1", "exrp-node-2"}
        return proc.stdout, per_host

    try:
        out, facts = run(check=True)
        assert re.search(r"exrp-node-1\s+: ok=\d+\s+changed=2", out), out[-3000:]  # cache dir + push
        assert h.registry_manifest(registry, "100.0.100.91") is None
        assert not (cache / name).exists(), "check mode wrote to the cache"
        assert facts["exrp-node-2"]["digest"] == "" and facts["exrp-node-2"]["ref"].endswith(":100.0.100.91")

        gets = web.gets(name)
        out, facts = run(check=False)
        assert re.search(r"exrp-node-1\s+: ok=\d+\s+changed=2", out), out[-3000:]
        assert web.gets(name) == gets + 1
        assert (cache / name).exists() and h.sha256_file(cache / name) == arc["checksum"]
        served = h.registry_manifest(registry, "100.0.100.91")
        assert served and served[1] == arc["image_id"]
        for host in ("exrp-node-1", "exrp-node-2"):
            assert facts[host]["digest"] == served[0]
            assert facts[host]["ref"] == "%s/exec/exrp@%s" % (registry.address, served[0])
            assert facts[host]["name"] == "%s/exec/exrp:100.0.100.91" % registry.address

        h.docker("rmi", "-f", arc["image_id"])
        for check in (True, False):
            out, facts = run(check=check)
            assert re.search(r"exrp-node-1\s+: ok=\d+\s+changed=0", out), out[-3000:]
            assert facts["exrp-node-1"]["digest"] == served[0] and facts["exrp-node-2"]["digest"] == served[0]
        assert web.gets(name) == gets + 1, "the cached archive was downloaded again"
        assert not h.image_exists(arc["image_id"]), "an unchanged archive was loaded"
    finally:
        web.stop()


def test_role_refuses_bad_inputs_early(playbook, registry, tmp_path):
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[exrp]\nexrp-node-1\n\n[exrp:vars]\nansible_python_interpreter=%s\n" % h.PYTHON)
    proc = playbook(HERE / "role.yml", inventory,
                    extra_vars={"exrp_image_src": "/srv/exrp-1.tgz", "exrp_image_checksum": "md5:1",
                                "exec_registry": registry.address, "exrp_facts_dir": str(tmp_path)})
    assert proc.returncode != 0
    assert "set exrp_image_src" in proc.stdout and "exrp_image_checksum" in proc.stdout
    assert "Traceback" not in proc.stdout
