# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab seen from the test machine: bring it up or down, snapshot its state, run the MCP, list its secrets.

Everything here goes through the local Docker engine (`docker exec` into the lab's containers: the test's own view,
not the path Ansible takes, which is SSH); the lab is what `lab/up.yml` creates (containers labelled
engage-exec-lab=1 on the network engage-lab).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time

from servers import ROOT, run_playbook

CACHE = ROOT / ".cache" / "lab"
SECRETS = CACHE / "secrets"
INVENTORY = ROOT / "inventories" / "lab"
MARKER = "/.engage-labstate-marker"

# Paths whose content changes on its own in a running host (logs, runtime state, the engines' and databases' own
# files, Ansible's remote temp folder): a snapshot ignores them. The Config DB, the registry and the containers
# inside the hosts' engines are compared by content instead (see snapshot()).
NOISY = ["/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp", "/var/log", "/var/cache", "/root/.ansible",
         "/var/lib/docker", "/var/lib/containerd", "/var/lib/postgresql", "/var/lib/chrony", "/var/lib/redis",
         "/var/lib/docker-registry", MARKER,
         # the lab's own mount of its public key (lab/vmhost.py), not something a deployment writes
         "/home/deploy/.ssh/authorized_keys"]


def sh(*argv, check=True, timeout=600, **kw):
    return subprocess.run([str(a) for a in argv], check=check, capture_output=True, text=True, timeout=timeout, **kw)


def playbook(path, *args, check=False):
    """ansible-playbook against the lab inventory (servers.run_playbook); returns the CompletedProcess."""
    return run_playbook(path, INVENTORY, *args, env={"ENGAGE_LAB_CACHE": str(CACHE)}, check=check)


def up():
    playbook(ROOT / "lab" / "up.yml", check=True)


def down():
    playbook(ROOT / "lab" / "down.yml")


def containers():
    out = sh("docker", "ps", "--filter", "label=engage-exec-lab=1", "--format", "{{.Names}}").stdout
    return sorted(out.split())


def dexec(container, *argv, check=True):
    return sh("docker", "exec", container, *argv, check=check)


def hosts_with_engine():
    """The lab hosts that run their own Docker engine (lab/vmhost.py labels them engage-exec.vm.docker=1)."""
    out = sh("docker", "ps", "--filter", "label=engage-exec-lab=1", "--filter", "label=engage-exec.vm.docker=1",
             "--format", "{{.Names}}").stdout
    return sorted(out.split())


def mark():
    """Start a snapshot window: a marker file in every lab container."""
    for c in containers():
        dexec(c, "touch", MARKER)


def _find(container, *tests):
    """find over the container's root filesystem, noisy paths pruned; the lines it prints."""
    prune = []
    for path in NOISY:
        prune += ["-path", path, "-o"]
    argv = ["find", "/", "-xdev", "("] + prune[:-1] + [")", "-prune", "-o"] + list(tests)
    return sorted(line for line in dexec(container, *argv, check=False).stdout.split("\n") if line)


def changed_files():
    """{container: [files and links written, re-moded or re-owned since mark()]}, noisy paths excluded.
    Directories are compared by snapshot() (name, mode, owner): a file created and removed again only touches
    its directory's time, which is not a change."""
    found = {}
    for c in containers():
        paths = _find(c, "!", "-type", "d", "(", "-newer", MARKER, "-o", "-cnewer", MARKER, ")", "-print")
        if paths:
            found[c] = paths
    return found


def snapshot():
    """What a deployment changes outside plain files (those: changed_files()), by content: the directories of
    every lab container (name, mode, owner), the containers and images inside the hosts' engines, the Config DB
    rows, the registry's tags."""
    state = {}
    for c in containers():
        listing = "\n".join(_find(c, "-type", "d", "-printf", "%p %m %u %g\\n"))
        state[c + ":directories"] = hashlib.sha256(listing.encode()).hexdigest()
    for c in hosts_with_engine():
        state[c + ":containers"] = sorted(dexec(c, "docker", "ps", "-a", "--no-trunc", "--format",
                                                "{{.ID}} {{.Names}} {{.Image}} {{.State}}").stdout.splitlines())
        state[c + ":images"] = sorted(dexec(c, "docker", "images", "--digests", "--no-trunc", "--format",
                                            "{{.Repository}}:{{.Tag}}@{{.Digest}} {{.ID}}").stdout.splitlines())
    dump = dexec("lab-engage", "sh", "-c",
                 "PGPASSWORD=$(cat /run/lab/secrets/configdb_owner) pg_dump -h 127.0.0.1 -U postgres "
                 "--data-only --inserts config").stdout
    rows = sorted(line for line in dump.splitlines() if line.startswith("INSERT "))
    state["lab-engage:configdb"] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    state["lab-registry:tags"] = dexec("lab-registry", "sh", "-c",
                                       "find /var/lib/docker-registry -path '*/_manifests/tags/*/current/link' "
                                       "-exec sh -c 'echo $1 $(cat $1)' _ {} \\; | sort").stdout
    return state


def configdb(sql):
    return dexec("lab-engage", "sh", "-c",
                 "PGPASSWORD=$(cat /run/lab/secrets/configdb_owner) psql -h 127.0.0.1 -U postgres -d config -Atc "
                 "\"%s\"" % sql.replace('"', '\\"')).stdout


def secrets():
    """{name: value} of every secret the lab generated (the audit looks for each)."""
    return {p.name: p.read_text().strip() for p in SECRETS.iterdir()
            if p.is_file() and not p.name.endswith(".env") and not p.name.endswith("_user")
            and p.name != "gc_client_id" and p.read_text().strip()}


def mcp(count, timeout=300):
    """Send `count` recordings through WebDAV -> load balancer -> EXCP -> EXRP -> GC; returns the verify summary."""
    out = sh("docker", "run", "--rm", "--network", "engage-lab", "--env-file", SECRETS / "mcp.env",
             "-v", "%s:/ca.crt:ro" % (CACHE / "pki" / "ca.crt"), "engage-lab/mcp:lab", "run", "--json",
             "--count", count, "--webdav-url", "http://lab-webdav/recordings", "--lb-url", "http://lab-lb:8080",
             "--gc-url", "https://lab-gc", "--gc-ca", "/ca.crt", check=False, timeout=timeout).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return next(line["verify"] for line in lines if "verify" in line)


# What each kind of lab host serves, as systemd units: after a reboot every one must be active again without Ansible.
UNITS = {"lab-webdav": ["apache2", "chrony", "ssh"], "lab-lb": ["haproxy", "chrony", "ssh"]}
ENGINE_UNITS = ["docker", "chrony", "ssh"]


def reboot(host, timeout=180):
    """`docker restart` of a lab host: its systemd stops every unit and boots again, as a VM reboots. Returns once
    systemd says `running`, the host's units are active and every container its engine ran before runs again
    (healthy, where it has a health check); the seconds that took."""
    engine = host in hosts_with_engine()
    before = sorted(dexec(host, "docker", "ps", "--format", "{{.Names}}").stdout.split()) if engine else []
    start = time.monotonic()
    sh("docker", "restart", "--time", "30", host)
    units = ENGINE_UNITS if engine else UNITS.get(host, ["chrony", "ssh"])
    state = ""
    while time.monotonic() - start < timeout:
        state = dexec(host, "systemctl", "is-system-running", check=False).stdout.strip()
        active = dexec(host, "systemctl", "is-active", *units, check=False).stdout.split()
        if state == "running" and active == ["active"] * len(units):
            if not engine:
                return time.monotonic() - start
            ps = dexec(host, "docker", "ps", "--format", "{{.Names}} {{.Status}}", check=False).stdout.splitlines()
            ready = sorted(line.split()[0] for line in ps if "(health: starting)" not in line
                           and "(unhealthy)" not in line)
            if ready == before:
                return time.monotonic() - start
        time.sleep(1)
    raise AssertionError("%s did not come back within %d s (systemd: %r)" % (host, timeout, state))
