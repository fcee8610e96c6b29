# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The webdav and load_balancer roles against real Apache httpd + mod_dav and HAProxy on a VM-like host.

One host made by lab/vmhost.py (systemd as PID 1, reached over SSH as `deploy` with become; labelled
engage-exec-test=1, removed at the end) gets both roles. The tests prove: both servers run as systemd units, enabled
at boot, and serve again after a reboot; a state change reported honestly four times (check, real, check, real);
TLS served with the given certificate; every kind of bad input fails with a message that names the cause, before any
configuration file is replaced; a configuration Apache rejects is rolled back while the server keeps serving; a host
whose service manager is not systemd is refused. Under continuous traffic from a load loop on the host: a rerun that
reloads HAProxy fails no request, a rerun that reloads Apache gracefully fails no upload. The MPM limits, the listen
backlog and net.core.somaxconn follow the README's sizing rule for two values of webdav_concurrent_calls; a
configuration `haproxy -c` rejects leaves the old file and the old HAProxy serving.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "lab"))

import vmhost  # noqa: E402  pylint: disable=wrong-import-position

BIN = ROOT / ".venv" / "bin"
USERS = [{"name": "mcp", "password": "mcp-pw-1"}, {"name": "exrp", "password": "exrp-pw-1", "access": "readonly"}]
BASE_WEBDAV = {"webdav_users": USERS, "webdav_concurrent_calls": 100}
BASE_LB = {"load_balancer_backends": [{"name": "b1", "address": "127.0.0.2"}, {"name": "b2", "address": "127.0.0.3"}]}
WEBDAV_FILES = ["/etc/apache2/sites-available/exec-webdav.conf", "/etc/apache2/ports.conf",
                "/etc/apache2/mods-available/mpm_event.conf", "/etc/exec-webdav/htpasswd"]

# Not under /tmp: a tmpfs that a reboot empties, and apache2.service has a private /tmp (PrivateTmp=true), so Apache
# would not see a certificate there.
CLIENT_PATH = "/usr/local/bin/webdav_lb_client.py"
PKI = "/etc/exec-test-pki"
# A small HTTP client run on the host (python3 is in the base image): prints the status of one request.
CLIENT = textwrap.dedent("""
    import base64, ssl, sys, urllib.request
    method, url, user, data = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None
    req = urllib.request.Request(url, data=data.encode() if data else None, method=method)
    if user != "-":
        req.add_header("Authorization", "Basic " + base64.b64encode(user.encode()).decode())
    ctx = ssl.create_default_context(cafile="%s/ca.pem") if url.startswith("https") else None
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx) as resp:
            print(resp.status, resp.read().decode(errors="replace")[:200])
    except urllib.error.HTTPError as exc:
        print(exc.code)
""" % PKI)

LOAD_PATH = "/usr/local/bin/webdav_lb_load.py"
# A bounded load loop run on the host: THREADS clients send METHOD requests to URL (PUT: a distinct path and body
# each), a new connection each, until the stop file appears or MAX_SECONDS pass; then it writes every request's
# start time, end time and outcome (the status, or the error) as JSON.
LOAD = textwrap.dedent("""
    import base64, json, os, sys, threading, time, urllib.error, urllib.request
    method, url, user, stop, out = sys.argv[1:6]
    threads, max_seconds, size = 4, 120, 48000
    auth = "Basic " + base64.b64encode(user.encode()).decode() if user != "-" else None
    results, lock = [], threading.Lock()
    deadline = time.time() + max_seconds

    def client(n):
        i = 0
        while not os.path.exists(stop) and time.time() < deadline:
            i += 1
            target = url + ("/load-%d-%d.wav" % (n, i) if method == "PUT" else "")
            body = ((b"%d-%d-" % (n, i)) * size)[:size] if method == "PUT" else b'{"call": 1}'
            req = urllib.request.Request(target, data=body, method=method)
            if auth:
                req.add_header("Authorization", auth)
            t0 = time.time()
            try:
                with urllib.request.urlopen(req, timeout=20) as resp:
                    resp.read()
                    outcome = resp.status
            except urllib.error.HTTPError as exc:
                outcome = exc.code
            except Exception as exc:  # every other failure of the request is counted, with its kind
                outcome = "%s: %s" % (type(exc).__name__, exc)
            with lock:
                results.append([t0, time.time(), outcome])

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    with open(out + ".tmp", "w") as f:
        json.dump(results, f)
    os.rename(out + ".tmp", out)
""")


class Box:
    """The test host: run commands (docker exec, as root: the test's own inspection), read files, run a role against
    it (over SSH as deploy, with become, as on a site's VM)."""

    def __init__(self, name, facts, tmp_path):
        self.name = name
        self.tmp = tmp_path
        self.inventory = tmp_path / "inventory.yml"
        self.inventory.write_text(json.dumps({"all": {"hosts": {name: vmhost.inventory_vars(facts)}}}, indent=2))

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
        out = self.sh("python3 %s %s" % (CLIENT_PATH, " ".join("'%s'" % a for a in args)))
        return int(out.split()[0])

    def unit(self, prop, unit):
        """One property of a systemd unit (systemctl show), e.g. MainPID or ActiveState."""
        return self.sh("systemctl show -p %s --value %s" % (prop, unit)).strip()

    def start_standins(self):
        """The two EXCP stand-ins (real HTTP servers) on 127.0.0.2/3:3650, started outside systemd."""
        for backend, address in (("b1", "127.0.0.2"), ("b2", "127.0.0.3")):
            self.sh("setsid python3 /usr/local/bin/excp_standin.py %s %s 3650 </dev/null >/dev/null 2>&1 &"
                    % (backend, address))

    def under_load(self, method, url, user, run):
        """Start the load loop (LOAD) on the host, call ``run()`` once requests flow, stop the loop; return
        (what run() returned, [(start, end, outcome)] of every request, (start, end) of run())."""
        tag = uuid.uuid4().hex[:8]
        stop, out = "/run/load-%s.stop" % tag, "/run/load-%s.json" % tag
        self.sh("setsid python3 %s %s '%s' '%s' %s %s </dev/null >/run/load-%s.log 2>&1 &"
                % (LOAD_PATH, method, url, user, stop, out, tag))
        self.sh("sleep 2")  # a few requests before the change
        started = time.time()
        result = run()
        ended = time.time()
        self.sh("sleep 2; touch %s; for i in $(seq 60); do test -e %s && break; sleep 0.5; done; test -e %s"
                % (stop, out, out))
        return result, json.loads(self.sh("cat %s" % out)), (started, ended)

    def role(self, role, extra_vars, check=False, pre_tasks=""):
        play = self.tmp / ("%s.yml" % role)
        play.write_text("- hosts: all\n  become: true\n  gather_facts: true\n  gather_subset: [min]\n%s  roles:\n"
                        "    - role: engage_exec.recording.%s\n" % (pre_tasks, role))
        cmd = [str(BIN / "ansible-playbook"), "-i", str(self.inventory), str(play), "-e", json.dumps(extra_vars)]
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="1",
                   PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
        proc = subprocess.run(cmd + (["--check"] if check else []), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=False)
        recap = re.search(r"changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", proc.stdout)
        return proc, int(recap.group(1)) if recap else None


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """A vmhost host with both roles converged once, and two EXCP stand-ins on 127.0.0.2/3:3650."""
    name = "test-webdav-lb-%s" % uuid.uuid4().hex[:8]
    try:
        facts = vmhost.up([{"name": name}], labels={"engage-exec-test": "1"})[name]
        b = Box(name, facts, tmp_path_factory.mktemp("webdav-lb"))
        standin = str(ROOT / "molecule" / "load_balancer" / "files" / "excp_standin.py")
        subprocess.run(["docker", "cp", standin, "%s:/usr/local/bin/excp_standin.py" % name], check=True)
        for path, text in ((CLIENT_PATH, CLIENT), (LOAD_PATH, LOAD)):
            subprocess.run(["docker", "exec", "-i", name, "tee", path], input=text, text=True, check=True,
                           stdout=subprocess.DEVNULL)
        b.start_standins()
        for role, extra in (("webdav", BASE_WEBDAV), ("load_balancer", BASE_LB)):
            proc, _changed = b.role(role, extra)
            assert proc.returncode == 0, proc.stdout[-5000:]
        yield b
    finally:
        vmhost.remove([name])


SERVICES = [("apache2", "webdav", BASE_WEBDAV, 80, "Apache"), ("haproxy", "load_balancer", BASE_LB, 8080, "HAProxy")]


@pytest.mark.parametrize("unit, role, extra, port, label", SERVICES, ids=["apache2", "haproxy"])
@pytest.mark.parametrize("undo", ["disable --now", "stop", "disable"])
def test_service_is_a_systemd_unit_enabled_at_boot(box, unit, role, extra, port, label, undo):
    """A unit that was stopped, disabled or both is started and enabled again by the role; the server that listens is
    the unit's (its main process or a child of it). A rerun that finds it running and enabled (the role's first look
    at the host) asks nothing more of systemd."""
    box.sh("systemctl %s %s 2>&1" % (undo, unit))
    assert (box.sh("systemctl is-enabled %s; true" % unit).strip() == "disabled") == ("disable" in undo)
    assert (box.sh("systemctl is-active %s; true" % unit).strip() != "active") == (undo != "disable")
    proc, changed = box.role(role, extra)
    assert proc.returncode == 0 and changed > 0, proc.stdout[-3000:]
    assert box.sh("systemctl is-enabled %s" % unit).strip() == "enabled"
    assert box.sh("systemctl is-active %s" % unit).strip() == "active"
    main_pid = box.unit("MainPID", unit)
    assert main_pid != "0"
    listeners = box.sh("ss -Hltnp 'sport = :%d'" % port)
    pids = set(re.findall(r"pid=(\d+)", listeners))
    tree = set(box.sh("echo %s; pgrep -P %s; true" % (main_pid, main_pid)).split())
    assert pids and pids <= tree, (listeners, tree)
    proc, changed = box.role(role, extra)
    assert proc.returncode == 0 and changed == 0, proc.stdout[-3000:]
    control = re.search(r"TASK \[engage_exec\.recording\.%s : Control %s through systemd[^\n]*\n(\S+):" % (role, label),
                        proc.stdout)
    assert control and control.group(1) == "skipping", proc.stdout[-3000:]


def test_non_systemd_host_is_refused(box):
    """A host whose service manager is not systemd: both roles refuse it, before any file is written."""
    fake = ("  pre_tasks:\n    - name: Pretend the service manager is sysvinit\n      ansible.builtin.set_fact:\n"
            "        ansible_service_mgr: sysvinit\n        cacheable: true\n")
    for role, extra, files in (("webdav", BASE_WEBDAV, WEBDAV_FILES),
                               ("load_balancer", BASE_LB, ["/etc/haproxy/haproxy.cfg"])):
        before = box.digest(files)
        proc, _changed = box.role(role, extra, pre_tasks=fake)
        assert proc.returncode != 0
        assert "service manager sysvinit - not supported" in " ".join(proc.stdout.split()), proc.stdout[-3000:]
        assert box.digest(files) == before


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
    ({"webdav_tls_certificate": PKI + "/a.crt"}, "set both"),
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


def test_webdav_graceful_reload_under_uploads_fails_no_upload(box):
    """A role rerun that changes Apache's configuration (a new user: the password file) while uploads run
    continuously (4 clients PUT distinct 48 KB files): Apache reloads gracefully (the same main process, new children,
    no restart) and not one upload fails; every upload is stored whole."""
    extra = dict(BASE_WEBDAV, webdav_users=USERS + [{"name": "reload", "password": "reload-pw-1"}])
    old_main = box.unit("MainPID", "apache2")
    old_children = set(box.sh("pgrep -P %s" % old_main).split())

    def rerun():
        proc, changed = box.role("webdav", extra)
        return proc, changed, box.unit("MainPID", "apache2")

    (proc, changed, main), requests, window = box.under_load(
        "PUT", "http://127.0.0.1/recordings", "mcp:mcp-pw-1", rerun)
    assert proc.returncode == 0 and changed > 0, proc.stdout[-3000:]
    assert_all_answered(requests, window, (201, 204), "uploads")
    assert "RUNNING HANDLER [engage_exec.recording.webdav : Reload webdav]" in proc.stdout, proc.stdout[-3000:]
    assert "Restart webdav" not in proc.stdout.split("RUNNING HANDLER", 1)[1]
    assert main == old_main and set(box.sh("pgrep -P %s" % main).split()) - old_children  # graceful: new children
    sizes = box.sh("find /srv/exec-recordings -maxdepth 1 -name 'load-*.wav' -printf '%s\\n'").split()
    assert len(sizes) == len(requests) and set(sizes) == {"48000"}, sizes[:5]
    box.sh("rm -f /srv/exec-recordings/load-*.wav")
    proc, _changed = box.role("webdav", BASE_WEBDAV)
    assert proc.returncode == 0, proc.stdout[-3000:]


def sizing_rule(calls, headroom=25, threads=64):
    """The MPM limits and listen backlog that roles/webdav/README.md (Sizing) states for C concurrent calls."""
    workers = -(-calls * (100 + headroom) // 100)
    processes = max(2, -(-workers // threads))
    return {"ServerLimit": processes, "StartServers": processes, "ThreadLimit": threads, "ThreadsPerChild": threads,
            "MaxRequestWorkers": processes * threads, "ListenBacklog": max(511, 2 * processes * threads)}


@pytest.mark.parametrize("calls", [100, 300])
def test_webdav_sized_for_concurrent_calls(box, calls):
    """For webdav_concurrent_calls C: the written MPM limits and backlog follow the README's rule, net.core.somaxconn
    is raised to the backlog when lower (live and in /etc/sysctl.d) and left alone when higher, and the running
    Apache listens with that accept queue (ss shows the backlog of a listening socket as Send-Q)."""
    want = sizing_rule(calls)
    box.sh("sysctl -qw net.core.somaxconn=128")
    proc, _changed = box.role("webdav", dict(BASE_WEBDAV, webdav_concurrent_calls=calls))
    assert proc.returncode == 0, proc.stdout[-3000:]
    conf = box.sh("cat /etc/apache2/mods-available/mpm_event.conf")
    written = {key: int(value) for key, value in re.findall(r"^\s*(\w+)\s+(\d+)\s*$", conf, re.M) if key in want}
    assert written == want, conf
    assert int(box.sh("sysctl -n net.core.somaxconn")) == want["ListenBacklog"]
    assert "net.core.somaxconn=%d" % want["ListenBacklog"] in box.sh("cat /etc/sysctl.d/60-exec-webdav.conf")
    queue = box.sh("ss -Hltn 'sport = :80'").split()
    assert int(queue[2]) == want["ListenBacklog"], queue
    box.sh("sysctl -qw net.core.somaxconn=8192")
    proc, _changed = box.role("webdav", dict(BASE_WEBDAV, webdav_concurrent_calls=calls))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert box.sh("sysctl -n net.core.somaxconn").strip() == "8192"
    proc, _changed = box.role("webdav", BASE_WEBDAV)
    assert proc.returncode == 0, proc.stdout[-3000:]


def make_pki(box):
    box.sh("mkdir -p %s && cd %s && "
           "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca "
           "2>/dev/null && "
           "for n in a b; do openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr -subj /CN=localhost "
           "2>/dev/null && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > $n.ext && "
           "openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $n.crt -days 2 -extfile $n.ext "
           "2>/dev/null; done" % (PKI, PKI))


def test_webdav_tls_key_mismatch_then_tls(box):
    box.sh("command -v openssl >/dev/null || (apt-get install -y -qq openssl >/dev/null 2>&1)")
    make_pki(box)
    before = box.digest(WEBDAV_FILES)
    mismatch = dict(BASE_WEBDAV, webdav_tls_certificate=PKI + "/a.crt", webdav_tls_key=PKI + "/b.key")
    proc, _changed = box.role("webdav", mismatch)
    assert proc.returncode != 0
    assert "%s/b.key does not match the certificate %s/a.crt" % (PKI, PKI) in " ".join(proc.stdout.split())
    assert box.digest(WEBDAV_FILES) == before

    tls = dict(BASE_WEBDAV, webdav_tls_certificate=PKI + "/a.crt", webdav_tls_key=PKI + "/a.key", webdav_tls_port=8443)
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
        out = box.sh("python3 %s POST http://127.0.0.1:8080/recording/metadata - '{\"call\": 1}'" % CLIENT_PATH)
        assert out.startswith("200"), (attempt, out)
        servers.add(json.loads(out.split(" ", 1)[1])["server"])
    assert servers == {"b1", "b2"}
    assert box.http("PUT", "http://127.0.0.1:8080/recording/metadata", "-", "x") == 405
    assert box.http("DELETE", "http://127.0.0.1:8080/recording/metadata") == 405


def haproxy_workers(box):
    """The unit's main process (HAProxy's master) and its worker processes."""
    master = box.unit("MainPID", "haproxy")
    return master, set(box.sh("pgrep -P %s; true" % master).split())


def test_load_balancer_change_four_times_and_seamless_reload(box):
    cfg = ["/etc/haproxy/haproxy.cfg"]
    extra = dict(BASE_LB, load_balancer_health_interval_ms=1500)
    before = box.digest(cfg)
    old_master, old_workers = haproxy_workers(box)
    started = box.unit("ExecMainStartTimestampMonotonic", "haproxy")
    assert old_workers, "HAProxy's master has no worker"
    proc, changed = box.role("load_balancer", extra, check=True)
    assert proc.returncode == 0 and changed > 0, proc.stdout[-3000:]
    assert box.digest(cfg) == before
    assert haproxy_workers(box) == (old_master, old_workers)
    proc, changed = box.role("load_balancer", extra)
    assert proc.returncode == 0 and changed > 0, proc.stdout[-3000:]
    assert "inter 1500ms" in box.sh("cat /etc/haproxy/haproxy.cfg")
    # reloaded, not restarted: the same master (the unit was not started anew), a new worker with the new configuration
    master, workers = haproxy_workers(box)
    assert master == old_master and box.unit("ExecMainStartTimestampMonotonic", "haproxy") == started
    assert workers - old_workers, (old_workers, workers)
    assert box.sh("systemctl is-active haproxy").strip() == "active"
    for check in (True, False):
        proc, changed = box.role("load_balancer", extra, check=check)
        assert proc.returncode == 0 and changed == 0, proc.stdout[-3000:]
    assert box.http("POST", "http://127.0.0.1:8080/recording/metadata", "-", "{}") == 200


def assert_all_answered(requests, window, statuses, what):
    """Not one request failed, and requests were sent through the whole change (``window``): some started before it,
    some ended after it, and at least 20 overlapped it."""
    failed = [r for r in requests if r[2] not in statuses]
    assert not failed, "%d of %d %s failed: %s" % (len(failed), len(requests), what, failed[:10])
    start, end = window
    assert min(r[0] for r in requests) < start and max(r[1] for r in requests) > end, (window, len(requests))
    during = [r for r in requests if r[1] >= start and r[0] <= end]
    assert len(during) >= 20, "only %d %s during the change (%.1f s)" % (len(during), what, end - start)


def test_load_balancer_reload_under_traffic_fails_no_request(box):
    """A role rerun that changes the HAProxy configuration while POSTs are sent continuously (4 clients, a new
    connection each): HAProxy is reloaded (the same master, new workers) and not one request fails."""
    old_master, old_workers = haproxy_workers(box)

    def rerun():
        proc, changed = box.role("load_balancer", dict(BASE_LB, load_balancer_health_interval_ms=1700))
        return proc, changed, haproxy_workers(box)

    (proc, changed, (master, workers)), requests, window = box.under_load(
        "POST", "http://127.0.0.1:8080/recording/metadata", "-", rerun)
    assert proc.returncode == 0 and changed > 0, proc.stdout[-3000:]
    assert_all_answered(requests, window, (200,), "POSTs")
    assert "inter 1700ms" in box.sh("cat /etc/haproxy/haproxy.cfg")
    assert master == old_master and workers - old_workers, (old_master, old_workers, master, workers)
    proc, changed = box.role("load_balancer", BASE_LB)
    assert proc.returncode == 0 and changed > 0, proc.stdout[-3000:]


def test_load_balancer_rejected_config_keeps_the_old_one_serving(box):
    """A run whose new configuration passes the role's input checks but fails `haproxy -c` (an unmatched quote in
    the health-check path) fails, puts the old file back and does not reload: the old HAProxy keeps serving."""
    cfg = "/etc/haproxy/haproxy.cfg"
    before = box.sh("cat %s" % cfg)
    old = haproxy_workers(box)
    proc, _changed = box.role("load_balancer", dict(BASE_LB, load_balancer_health_path='/health"'))
    assert proc.returncode != 0
    flat = " ".join(proc.stdout.split())
    assert "Write the HAProxy configuration" in flat and "unmatched quote" in flat, proc.stdout[-3000:]
    assert box.sh("cat %s" % cfg) == before
    assert not box.sh("grep -l 'health\"' /etc/haproxy/*.cfg; true").strip()
    assert haproxy_workers(box) == old  # not reloaded, not restarted
    box.sh("haproxy -c -f %s" % cfg)
    assert [box.http("POST", "http://127.0.0.1:8080/recording/metadata", "-", "{}") for attempt in range(4)] == [200] * 4


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


RETENTION_UNITS = ["/etc/systemd/system/exec-webdav-retention.service",
                   "/etc/systemd/system/exec-webdav-retention.timer"]
RETENTION_CRON = "/etc/cron.d/exec-webdav-retention"


def exists(box, path):
    return box.sh("test -e %s && echo present || echo absent" % path).strip() == "present"


def old_and_recent_recordings(box):
    box.sh("mkdir -p /srv/exec-recordings/2026/old /srv/exec-recordings/empty-old && "
           "touch -d '3 days ago' /srv/exec-recordings/2026/old/a.wav /srv/exec-recordings/empty-old && "
           "touch -d '1 day ago' /srv/exec-recordings/recent.wav")


def assert_only_old_removed(box):
    listing = box.sh("cd /srv/exec-recordings && find . | sort")
    # old files go; folders go once they have been empty for an hour (a fresh MKCOL is never removed)
    assert "./recent.wav" in listing and "./2026/old/a.wav" not in listing and "empty-old" not in listing, listing


def test_webdav_retention_timer_removes_only_old_recordings(box):
    """The default method on systemd: a timer, enabled and started, whose service runs the job."""
    proc, _changed = box.role("webdav", dict(BASE_WEBDAV, webdav_retention_days=2, webdav_retention_time="04:05"))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert box.sh("systemctl is-enabled exec-webdav-retention.timer").strip() == "enabled"
    assert box.sh("systemctl is-active exec-webdav-retention.timer").strip() == "active"
    assert "OnCalendar=*-*-* 04:05:00" in box.unit("TimersCalendar", "exec-webdav-retention.timer")
    assert not exists(box, RETENTION_CRON)
    old_and_recent_recordings(box)
    box.sh("systemctl start exec-webdav-retention.service")  # what the timer starts (oneshot: returns when done)
    assert box.unit("Result", "exec-webdav-retention.service") == "success"
    assert_only_old_removed(box)

    proc, _changed = box.role("webdav", BASE_WEBDAV)  # retention off again: the timer is stopped and removed
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert box.sh("systemctl is-active exec-webdav-retention.timer; true").strip() != "active"
    assert not [path for path in RETENTION_UNITS if exists(box, path)]


def test_webdav_retention_cron_removes_only_old_recordings(box):
    """webdav_retention_method=cron: a cron file (cron installed and running), no timer."""
    extra = dict(BASE_WEBDAV, webdav_retention_days=2, webdav_retention_time="04:05", webdav_retention_method="cron")
    proc, _changed = box.role("webdav", extra)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert box.sh("systemctl is-active cron").strip() == "active"
    assert not [path for path in RETENTION_UNITS if exists(box, path)]
    cron = box.sh("cat %s" % RETENTION_CRON)
    line = [entry for entry in cron.splitlines() if entry.startswith("5 4 * * * root ")]
    assert len(line) == 1, cron
    old_and_recent_recordings(box)
    box.sh(line[0][len("5 4 * * * root "):])  # the job's own command, as cron would run it
    assert_only_old_removed(box)

    proc, _changed = box.role("webdav", BASE_WEBDAV)  # retention off again: the job is removed
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert not exists(box, RETENTION_CRON)


def test_reboot_both_servers_come_back(box):
    """Enabled at boot: after a reboot both servers run again without Ansible, and a rerun of either role changes
    nothing (what systemd makes again at boot, such as /run/haproxy, is not fought over). Near the end: the reboot
    empties /tmp and stops the stand-ins (started again here)."""
    proc, _changed = box.role("load_balancer", BASE_LB)  # the state a rerun after the reboot must find unchanged
    assert proc.returncode == 0, proc.stdout[-3000:]
    old = {unit: box.unit("InvocationID", unit) for unit in ("apache2", "haproxy")}
    subprocess.run(["docker", "restart", "-t", "30", box.name], check=True, stdout=subprocess.DEVNULL)
    vmhost.up([{"name": box.name}], labels={"engage-exec-test": "1"})  # until systemd runs and sshd answers
    for unit in ("apache2", "haproxy"):
        assert box.sh("systemctl is-active %s" % unit).strip() == "active"
        assert box.unit("InvocationID", unit) != old[unit]  # started by this boot
    box.start_standins()
    assert box.http("PUT", "http://127.0.0.1/recordings/after-reboot.wav", "mcp:mcp-pw-1", "x") in (201, 204)
    assert box.http("GET", "http://127.0.0.1/recordings/after-reboot.wav", "exrp:exrp-pw-1") == 200
    for attempt in range(20):  # until HAProxy's health checks saw a stand-in up
        if box.http("POST", "http://127.0.0.1:8080/recording/metadata", "-", "{}") == 200:
            break
        box.sh("sleep 0.5")
    else:
        raise AssertionError("HAProxy does not pass a POST after the reboot (%d attempts)" % attempt)
    for role, extra in (("webdav", BASE_WEBDAV), ("load_balancer", BASE_LB)):
        proc, changed = box.role(role, extra)
        assert proc.returncode == 0 and changed == 0, proc.stdout[-3000:]
