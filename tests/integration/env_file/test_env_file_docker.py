# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What env_file writes is what docker reads: the file is handed to a real `docker run --env-file`."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid


from servers import ROOT

IMAGE = os.environ.get("MOLECULE_BASE_IMAGE", "engage-exec-base:latest")

PLAY = """
- name: Env_file - docker reads what env_file writes
  hosts: all
  gather_facts: false
  tasks:
    - name: Manage keys
      engage_exec.recording.env_file:
        path: "{{ envf_path }}"
        values: "{{ envf_values }}"
"""

# docker-readable (no `export`): CRLF, a quoted value, blanks around a value, a duplicate, no final newline.
EXISTING = (
    b"# EXEC settings\n"
    b"ORG_ID=org-1\r\n"
    b"QUOTED=\"a b\"\n"
    b"SPACED=  x  \n"
    b"    INDENTED=i\n"
    b"HTTP_LB_EXCP_PORT=1\n"
    b"HTTP_LB_EXCP_PORT=2\n"
    b"LAST=z"
)

VALUES = {
    "HTTP_LB_EXCP_PORT": 8090,
    "RECORDING_ENABLED": True,
    "RECORDING_DEBUG": False,
    "NEW_QUOTED": '"q"',
    "EMPTY": "",
    "EQUALS": "a=b=c",
    "HASH": "x #not-a-comment",
    "INDENTED": "j",
    "UNICODE": "caf\u00e9",
}

EXPECTED_IN_CONTAINER = {
    "ORG_ID": "org-1",            # the CR of a CRLF line is not part of the value
    "QUOTED": '"a b"',            # docker does not remove quotes
    "SPACED": "  x  ",            # nor trim values
    "HTTP_LB_EXCP_PORT": "8090",  # the last definition, updated; the earlier one removed
    "RECORDING_ENABLED": "true",
    "RECORDING_DEBUG": "false",
    "NEW_QUOTED": '"q"',
    "EMPTY": "",
    "EQUALS": "a=b=c",
    "HASH": "x #not-a-comment",
    "INDENTED": "j",
    "UNICODE": "caf\u00e9",
    "LAST": "z",
}


def _require_docker_image():
    """The docker CLI, a running engine and IMAGE: missing, the test fails (make image provides them)."""
    assert shutil.which("docker"), "needs the docker CLI (make docker)"
    probe = subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, text=True, check=False)
    assert probe.returncode == 0, "needs a running Docker engine and %s (make image): %s" % (IMAGE, probe.stderr)


def test_docker_env_file_reads_what_was_written(tmp_path, playbook):
    _require_docker_image()
    env = tmp_path / "exec.env"
    env.write_bytes(EXISTING)
    play = tmp_path / "play.yml"
    play.write_text(PLAY)
    extra = dict(ansible_connection="local", ansible_python_interpreter=str(ROOT / ".venv" / "bin" / "python"),
                 envf_path=str(env), envf_values=VALUES)
    run = playbook(play, "localhost,", extra_vars=extra)
    assert run.returncode == 0, run.stdout[-4000:]

    name = "envfile-test-%s" % uuid.uuid4().hex[:8]
    try:
        proc = subprocess.run(["docker", "run", "--rm", "--name", name, "--label", "engage-exec-test=1",
                               "--network", "none", "--env-file", str(env), IMAGE, "env", "-0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=False)
    finally:
        subprocess.run(["docker", "rm", "-f", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    seen = dict(item.split("=", 1) for item in proc.stdout.decode("utf-8").split("\0") if "=" in item)
    for key, value in EXPECTED_IN_CONTAINER.items():
        assert seen.get(key) == value, (key, seen.get(key), value)

    # And the file kept its comment and the order of the lines it did not add.
    text = env.read_bytes()
    assert text.startswith(b"# EXEC settings\nORG_ID=org-1\r\nQUOTED=\"a b\"\nSPACED=  x  \n    INDENTED=j\n"
                           b"HTTP_LB_EXCP_PORT=8090\nLAST=z\n")
