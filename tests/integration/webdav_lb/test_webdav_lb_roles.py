# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The webdav and load_balancer roles against real Apache httpd + mod_dav and HAProxy in a container.

One container from the project's base image (labelled engage-exec-test=1, removed at the end) gets both roles. The
tests prove: a state change reported honestly four times (check, real, check, real); TLS served with the given
certificate; every kind of bad input fails with a message that names the cause, before any configuration file is
replaced, and a configuration Apache rejects is rolled back while the server keeps serving.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import textwrap
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = ROOT / ".venv" / "bin"
IMAGE = os.environ.get("MOLECULE_BASE_IMAGE", "engage-exec-base:latest")
USERS = [{"name": "mcp", "password": "mcp-pw-1"}, {"name": "exrp", "password": "exrp-pw-1", "access": "readonly"}]
BASE_WEBDAV = {"webdav_users": USERS, "webdav_concurrent_calls": 100}
BASE_LB = {"load_balancer_backends": [{"name": "b1", "address": "127.0.0.2"}, {"name": "b2", "address": "127.0.0.3"}]}
WEBDAV_FILES = ["/etc/apache2/sites-available/exec-webdav.conf", "/etc/apache2/ports.conf",
                "/etc/apache2/mods-available/mpm_event.conf", "/etc/exec-webdav/htpasswd"]

# A small HTTP client run inside the container (python3 is in the base image): prints the status of one request.
CLIENT = textwrap.dedent("""
    import base64, ssl, sys, urllib.request
    method, url, user, data = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None
    req = urllib.request.Request(url, data=data.encode() if data else None, method=method)
    if user != "-":
        req.add_header("Authorization", "Basic " + base64.b64encode(user.encode()).decode())
    ctx = ssl.create_default_context(cafile="/tmp/pki/ca.pem") if url.startswith("https") else None
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx) as resp:
            print(resp.status, resp.read().decode(errors="replace")[:200])
    except urllib.error.HTTPError as exc:
        print(exc.code)
""")


class Box:
    """The test container: run commands, read files, run a role against it."""

    def __init__(self, name, tmp_path):
        self.name = name
        self.tmp = tmp_path
        self.inventory = tmp_path / "inventory.yml"
        self.inventory.write_text("all:\n  hosts:\n    %s:\n      ansible_connection: community.docker.docker\n"
                                  "      ansible_python_interpreter: /usr/bin/python3\n" % name)

    def sh(self, script, check=True):
        proc = subprocess.run(["docker", "exec", self.name, "bash", "-c", script], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False)
        if check and proc.returncode != 0:
            raise AssertionError("%s failed:\n%s" % (script, proc.stdout))
        return proc.stdout

    def digest(self, paths):
        return {p: hashlib.sha256(self.sh("cat %s 2>/dev/null; true" % p).encode()).hexdigest() for p in paths}

    def http(self, method, url, user="-", data=None):
        args = [method, url, user] + ([data] if data is not None else [])
        out = self.sh("python3 /tmp/client.py %s" % " ".join("'%s'" % a for a in args))
        return int(out.split()[0])

    def role(self, role, extra_vars, check=False):
        play = self.tmp / ("%s.yml" % role)
        play.write_text("- hosts: all\n  gather_facts: true\n  gather_subset: [min]\n  roles:\n"
                        "    - role: engage_exec.recording.%s\n" % role)
        cmd = [str(BIN / "ansible-playbook"), "-i", str(self.inventory), str(play), "-e", json.dumps(extra_vars)]
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="1",
                   PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
        proc = subprocess.run(cmd + (["--check"] if check else []), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False)
        recap = re.search(r"changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", proc.stdout)
        return proc, int(recap.group(1)) if recap else None


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """A base-image container with both roles converged once, and two EXCP stand-ins on 127.0.0.2/3:3650."""
    name = "test-webdav-lb-%s" % uuid.uuid4().hex[:8]
    subprocess.run(["docker", "run", "-d", "--name", name, "--label", "engage-exec-test=1", IMAGE, "sleep", "infinity"],
                   check=True, stdout=subprocess.DEVNULL)
    try:
        b = Box(name, tmp_path_factory.mktemp("webdav-lb"))
        standin = str(ROOT / "molecule" / "load_balancer" / "files" / "excp_standin.py")
        subprocess.run(["docker", "cp", standin, "%s:/usr/local/bin/excp_standin.py" % name], check=True)
        subprocess.run(["docker", "exec", "-i", name, "tee", "/tmp/client.py"], input=CLIENT, text=True, check=True,
                       stdout=subprocess.DEVNULL)
        for backend, address in (("b1", "127.0.0.2"), ("b2", "127.0.0.3")):
            b.sh("setsid python3 /usr/local/bin/excp_standin.py %s %s 3650 </dev/null >/dev/null 2>&1 &"
                 % (backend, address))
        for role, extra in (("webdav", BASE_WEBDAV), ("load_balancer", BASE_LB)):
            proc, _changed = b.role(role, extra)
            assert proc.returncode == 0, proc.stdout[-5000:]
        yield b
    finally:
        subprocess.run(["docker", "rm", "-f", name], check=False, stdout=subprocess.DEVNULL)


def test_webdav_serves_with_auth(box):
    assert box.http("PUT", "http://127.0.0.1/recordings/a.wav", "mcp:mcp-pw-1", "audio") in (201, 204)
    assert box.http("GET", "http://127.0.0.1/recordings/a.wav", "exrp:exrp-pw-1") == 200
    assert box.http("PUT", "http://127.0.0.1/recordings/b.wav", "exrp:exrp-pw-1", "x") == 401
    assert box.http("GET", "http://127.0.0.1/recordings/a.wav") == 401
    assert box.http("GET", "http://127.0.0.1/recordings/a.wav", "mcp:wrong") == 401


def test_webdav_new_user_four_times(box):
    """check (changed, nothing written), real (changed), check (unchanged), real (unchanged)."""
    extra = dict(BASE_WEBDAV, webdav_users=USERS + [{"name": "exrp2", "password": "exrp2-pw"}])
    before = box.digest(WEBDAV_FILES)
    proc, changed = box.role("webdav", extra, check=True)
    assert proc.returncode == 0 and changed > 0, proc.stdout[-3000:]
    assert box.digest(WEBDAV_FILES) == before
    assert box.http("GET", "http://127.0.0.1/recordings/", "exrp2:exrp2-pw") == 401

    proc, changed = box.role("webdav", extra)
    assert proc.returncode == 0 and changed > 0, proc.stdout[-3000:]
    assert box.http("PUT", "http://127.0.0.1/recordings/c.wav", "exrp2:exrp2-pw", "x") in (201, 204)
    assert "exrp2-pw" not in proc.stdout

    for check in (True, False):
        proc, changed = box.role("webdav", extra, check=check)
        assert proc.returncode == 0 and changed == 0, proc.stdout[-3000:]

    proc, changed = box.role("webdav", BASE_WEBDAV)  # the user is removed again
    assert proc.returncode == 0 and changed > 0
    assert box.http("GET", "http://127.0.0.1/recordings/c.wav", "exrp2:exrp2-pw") == 401


@pytest.mark.parametrize("extra, message", [
    ({"webdav_users": [{"name": "mcp", "password": ""}]}, "every user needs a non-empty password"),
    ({"webdav_users": [{"name": "mcp"}]}, "password"),
    ({"webdav_users": []}, "at least one readwrite user"),
    ({"webdav_concurrent_calls": 0}, "webdav_concurrent_calls=0 - not a positive integer"),
    ({"webdav_concurrent_calls": -5}, "webdav_concurrent_calls=-5 - not a positive integer"),
    ({"webdav_concurrent_calls": "many"}, "webdav_concurrent_calls"),
    ({"webdav_concurrent_calls": 100000000}, "concurrent calls need 3000000.0 GB (30 GB per 1000 concurrent calls)"),
    ({"webdav_tls_certificate": "/tmp/pki/a.crt"}, "set both"),
], ids=["empty-password", "missing-password", "no-users", "zero-calls", "negative-calls", "text-calls", "capacity",
        "cert-without-key"])
def test_webdav_bad_input_changes_nothing(box, extra, message):
    before = box.digest(WEBDAV_FILES)
    proc, _changed = box.role("webdav", dict(BASE_WEBDAV, **extra))
    assert proc.returncode != 0
    assert message in " ".join(proc.stdout.split()), proc.stdout[-3000:]
    assert box.digest(WEBDAV_FILES) == before
    assert "mcp-pw-1" not in proc.stdout


def test_webdav_capacity_check_can_be_skipped(box):
    extra = dict(BASE_WEBDAV, webdav_concurrent_calls=100000000, webdav_skip_capacity_check=True,
                 webdav_threads_per_child=1000, webdav_worker_headroom_percent=0)
    proc, _changed = box.role("webdav", extra, check=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "WARNING (webdav_skip_capacity_check=true)" in proc.stdout


def test_webdav_port_in_use(box):
    box.sh("setsid python3 -m http.server --bind 127.0.0.1 8099 </dev/null >/dev/null 2>&1 & sleep 1")
    before = box.digest(WEBDAV_FILES)
    proc, _changed = box.role("webdav", dict(BASE_WEBDAV, webdav_port=8099))
    box.sh("kill $(ps -eo pid,args | awk '/[h]ttp.server --bind 127.0.0.1 8099/ {print $1}')")
    assert proc.returncode != 0
    flat = " ".join(proc.stdout.split())
    assert "TCP port 8099" in flat and "already in use by python3" in flat, proc.stdout[-3000:]
    assert box.digest(WEBDAV_FILES) == before


def test_webdav_invalid_config_is_rolled_back(box):
    before = box.digest(WEBDAV_FILES)
    proc, _changed = box.role("webdav", dict(BASE_WEBDAV, webdav_extra_config="NoSuchDirective on"))
    assert proc.returncode != 0
    flat = " ".join(proc.stdout.split())
    assert "rolled back" in flat and "NoSuchDirective" in flat, proc.stdout[-3000:]
    assert box.digest(WEBDAV_FILES) == before
    box.sh("apache2ctl -t")
    assert box.http("PUT", "http://127.0.0.1/recordings/after-rollback.wav", "mcp:mcp-pw-1", "x") in (201, 204)


def make_pki(box):
    box.sh("mkdir -p /tmp/pki && cd /tmp/pki && "
           "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca 2>/dev/null && "
           "for n in a b; do openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr -subj /CN=localhost "
           "2>/dev/null && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > $n.ext && "
           "openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $n.crt -days 2 -extfile $n.ext "
           "2>/dev/null; done")


def test_webdav_tls_key_mismatch_then_tls(box):
    box.sh("command -v openssl >/dev/null || (apt-get install -y -qq openssl >/dev/null 2>&1)")
    make_pki(box)
    before = box.digest(WEBDAV_FILES)
    mismatch = dict(BASE_WEBDAV, webdav_tls_certificate="/tmp/pki/a.crt", webdav_tls_key="/tmp/pki/b.key")
    proc, _changed = box.role("webdav", mismatch)
    assert proc.returncode != 0
    assert "/tmp/pki/b.key does not match the certificate /tmp/pki/a.crt" in " ".join(proc.stdout.split())
    assert box.digest(WEBDAV_FILES) == before

    tls = dict(BASE_WEBDAV, webdav_tls_certificate="/tmp/pki/a.crt", webdav_tls_key="/tmp/pki/a.key",
               webdav_tls_port=8443)
    proc, _changed = box.role("webdav", tls)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert box.http("PUT", "https://localhost:8443/recordings/tls.wav", "mcp:mcp-pw-1", "x") in (201, 204)
    assert box.http("GET", "https://localhost:8443/recordings/tls.wav") == 401
    assert "Listen 8443" in box.sh("cat /etc/apache2/ports.conf")
    # back to plain HTTP for the other tests
    proc, _changed = box.role("webdav", BASE_WEBDAV)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert box.http("GET", "http://127.0.0.1/recordings/tls.wav", "mcp:mcp-pw-1") == 200


def test_load_balancer_posts_and_405(box):
    servers = set()
    for attempt in range(4):
        out = box.sh("python3 /tmp/client.py POST http://127.0.0.1:8080/recording/metadata - '{\"call\": 1}'")
        assert out.startswith("200"), (attempt, out)
        servers.add(json.loads(out.split(" ", 1)[1])["server"])
    assert servers == {"b1", "b2"}
    assert box.http("PUT", "http://127.0.0.1:8080/recording/metadata", "-", "x") == 405
    assert box.http("DELETE", "http://127.0.0.1:8080/recording/metadata") == 405


def test_load_balancer_change_four_times_and_seamless_reload(box):
    cfg = ["/etc/haproxy/haproxy.cfg"]
    extra = dict(BASE_LB, load_balancer_health_interval_ms=1500)
    before = box.digest(cfg)
    old_pid = box.sh("cat /run/haproxy.pid").split()
    proc, changed = box.role("load_balancer", extra, check=True)
    assert proc.returncode == 0 and changed > 0, proc.stdout[-3000:]
    assert box.digest(cfg) == before
    proc, changed = box.role("load_balancer", extra)
    assert proc.returncode == 0 and changed > 0, proc.stdout[-3000:]
    assert "inter 1500ms" in box.sh("cat /etc/haproxy/haproxy.cfg")
    assert box.sh("cat /run/haproxy.pid").split() != old_pid  # reloaded: a new process took the sockets over
    for check in (True, False):
        proc, changed = box.role("load_balancer", extra, check=check)
        assert proc.returncode == 0 and changed == 0, proc.stdout[-3000:]
    assert box.http("POST", "http://127.0.0.1:8080/recording/metadata", "-", "{}") == 200


@pytest.mark.parametrize("extra, message", [
    ({"load_balancer_backends": [], "load_balancer_backend_group": "nosuchgroup"},
     "No backend for the load balancer: the inventory group 'nosuchgroup' has no hosts"),
    ({"load_balancer_port": 8404}, "must differ"),
    ({"load_balancer_allowed_methods": ["GET"]}, "must contain POST"),
    ({"load_balancer_port": 0}, "load_balancer_port=0 - expected an integer from 1 to 65535"),
], ids=["empty-backends", "same-ports", "no-post", "port-zero"])
def test_load_balancer_bad_input_changes_nothing(box, extra, message):
    before = box.digest(["/etc/haproxy/haproxy.cfg"])
    proc, _changed = box.role("load_balancer", dict(BASE_LB, **extra))
    assert proc.returncode != 0
    assert message in " ".join(proc.stdout.split()), proc.stdout[-3000:]
    assert box.digest(["/etc/haproxy/haproxy.cfg"]) == before


def test_load_balancer_port_in_use(box):
    box.sh("setsid python3 -m http.server --bind 127.0.0.1 8098 </dev/null >/dev/null 2>&1 & sleep 1")
    before = box.digest(["/etc/haproxy/haproxy.cfg"])
    proc, _changed = box.role("load_balancer", dict(BASE_LB, load_balancer_port=8098))
    box.sh("kill $(ps -eo pid,args | awk '/[h]ttp.server --bind 127.0.0.1 8098/ {print $1}')")
    assert proc.returncode != 0
    flat = " ".join(proc.stdout.split())
    assert "TCP port 8098" in flat and "already in use by python3" in flat, proc.stdout[-3000:]
    assert box.digest(["/etc/haproxy/haproxy.cfg"]) == before


def test_webdav_retention_job_removes_only_old_recordings(box):
    proc, _changed = box.role("webdav", dict(BASE_WEBDAV, webdav_retention_days=2, webdav_retention_time="04:05"))
    assert proc.returncode == 0, proc.stdout[-3000:]
    cron = box.sh("cat /etc/cron.d/exec-webdav-retention")
    line = [entry for entry in cron.splitlines() if entry.startswith("5 4 * * * root ")]
    assert len(line) == 1, cron
    box.sh("mkdir -p /srv/exec-recordings/2026/old /srv/exec-recordings/empty-old && "
           "touch -d '3 days ago' /srv/exec-recordings/2026/old/a.wav /srv/exec-recordings/empty-old && "
           "touch -d '1 day ago' /srv/exec-recordings/recent.wav")
    box.sh(line[0][len("5 4 * * * root "):])  # the job's own command, as cron would run it
    listing = box.sh("cd /srv/exec-recordings && find . | sort")
    # old files go; folders go once they have been empty for an hour (a fresh MKCOL is never removed)
    assert "./recent.wav" in listing and "./2026/old/a.wav" not in listing and "empty-old" not in listing, listing

    proc, _changed = box.role("webdav", BASE_WEBDAV)  # retention off again: the job is removed
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert box.sh("test -e /etc/cron.d/exec-webdav-retention && echo present || echo absent").strip() == "absent"
