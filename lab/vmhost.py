# SPDX-License-Identifier: GPL-3.0-or-later
"""Hosts that boot and are reached like a site's VMs, as containers: the one way the lab, the molecule scenarios,
the role tests and the benchmarks make a managed host.

A host runs the lab node image (lab/node: systemd as PID 1, sshd, chrony, a Docker engine that only hosts started
with --docker enable) with the options systemd and an inner Docker engine need (lab/README.md, "Lab hosts"); Ansible
reaches it over SSH on a port published on 127.0.0.1, as the user `deploy` with the lab's key and passwordless sudo.

    vmhost.py image [--suite trixie]                  build (once per recipe) and print the node image
    vmhost.py up --spec '[{"name": "h1", "docker": true, "tmpfs": ["/srv:size=1g,mode=0750"]}]' [--network N]
    vmhost.py down --label engage-exec-test=1          remove hosts (with their Docker volumes and cgroups)

`up` is idempotent: a host that runs with the same options is left alone (a stopped one is started); one whose
options or image changed is made anew. It waits until every host's systemd reports `running` and its sshd answers,
and prints JSON: {name: {"address", "ssh_host", "ssh_port", "changed"}}. Standard library only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_DIR = ROOT / "lab" / "node"
CACHE = Path(os.environ.get("ENGAGE_LAB_CACHE") or ROOT / ".cache" / "lab")
SUITES = ("bookworm", "trixie")
USER = "deploy"
LABEL = "engage-exec.vm"  # value: a hash of the host's options and image

# What systemd and a Docker engine inside a container need (measured: ../shared/ENVIRONMENT.md). SYS_TIME and
# SYS_MODULE are dropped so that no host can set the machine's clock (chronyd runs with -x:
# lab/node/rootfs/etc/default/chrony) or load a module into its kernel.
RUN_OPTIONS = [
    "-e", "container=docker", "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE", "--cap-drop", "SYS_TIME",
    "--cap-drop", "SYS_MODULE",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--security-opt", "systempaths=unconfined",
    "--tmpfs", "/run:exec", "--tmpfs", "/run/lock", "--tmpfs", "/tmp:exec",
]
BOOT_TIMEOUT = 120


class VMHostError(Exception):
    pass


def docker(*argv, check=True, **kw):
    proc = subprocess.run(["docker"] + [str(a) for a in argv], capture_output=True, text=True, check=False, **kw)
    if check and proc.returncode != 0:
        raise VMHostError("docker %s: %s" % (" ".join(str(a) for a in argv[:3]), proc.stderr.strip()[-2000:]))
    return proc


def _hash(*parts):
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


def node_image(suite="bookworm"):
    """The node image for a Debian suite, built when its inputs (base image, lab/node) changed; its name."""
    if suite not in SUITES:
        raise VMHostError("unknown Debian suite %r: use one of %s" % (suite, ", ".join(SUITES)))
    base = subprocess.run(["bash", str(ROOT / "hack" / "base-image.sh"), suite], capture_output=True, text=True,
                          check=False)
    if base.returncode != 0:
        raise VMHostError("base image for %s: %s" % (suite, base.stderr.strip()))
    base_image = base.stdout.split()[-1]
    base_id = docker("image", "inspect", "-f", "{{.Id}}", base_image).stdout.strip()
    files = sorted(p for p in NODE_DIR.rglob("*") if p.is_file() and p.name != "README.md")
    build = ["--build-arg", "BASE_IMAGE=%s" % base_image, "--label", "engage-exec.node-image=%s" % suite]
    key = _hash(base_id, " ".join(build), *("%s\0%s" % (p.relative_to(NODE_DIR), p.read_text()) for p in files))
    image = "engage-exec-lab-node:%s-%s" % (suite, key)
    if docker("image", "inspect", image, check=False).returncode != 0:
        print("vmhost: building %s (about a minute)" % image, file=sys.stderr)
        # No engage-exec-lab label here: a container inherits its image's labels, and that one marks lab hosts.
        docker("build", "-q", *build, "-t", image, str(NODE_DIR))
    return image


def keypair():
    """The lab's SSH key pair (made once, kept under .cache/lab/ssh); the private key's path."""
    key = CACHE / "ssh" / "id_ed25519"
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "engage-exec-lab", "-f", str(key)],
                       check=True)
    pub = key.with_suffix(".pub")
    if pub.stat().st_mode & 0o777 != 0o644:  # readable by sshd in the hosts, where it is mounted
        pub.chmod(0o644)
    return key


def _run_argv(spec, image, network, labels, pubkey):
    name = spec["name"]
    argv = ["run", "-d", "--name", name, "--hostname", name] + RUN_OPTIONS
    argv += ["-v", "%s:/home/%s/.ssh/authorized_keys:ro" % (pubkey, USER)]
    if network:
        argv += ["--network", network, "--network-alias", name]
    if spec.get("docker"):
        # A volume, not a tmpfs: the engine's images and containers survive a reboot (docker restart).
        argv += ["-v", "%s-docker:/var/lib/docker" % name]
    for index, fs in enumerate(spec.get("tmpfs", [])):
        # A small filesystem of the host's own (e.g. storage a test can fill): a tmpfs-backed volume rather than
        # --tmpfs, whose root would lose the owner and mode given in its options at a restart.
        argv += ["-v", "%s-tmpfs%d:%s" % (name, index, fs.partition(":")[0])]
    for key, value in sorted(labels.items()):
        argv += ["--label", "%s=%s" % (key, value)]
    argv += ["--label", "engage-exec.vm.docker=%d" % bool(spec.get("docker"))]
    return argv + [image]


def _free_port():
    """A loopback port for the host's sshd, fixed at creation so that it stays the same across reboots (docker
    restart would give a `127.0.0.1::22` mapping a new port each time)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _state(name):
    proc = docker("inspect", "-f", "{{.State.Running}} {{index .Config.Labels \"%s\"}}" % LABEL, name, check=False)
    if proc.returncode != 0:
        return None, None
    running, key = proc.stdout.split()
    return running == "true", key


def remove(names):
    """Remove containers (and their Docker volumes), then the cgroups systemd left under their own."""
    names = [n for n in names if docker("inspect", n, check=False).returncode == 0]
    if not names:
        return
    ids = docker("inspect", "-f", "{{.Id}}", *names).stdout.split()
    docker("rm", "-f", "-v", *names)
    for name in names:
        volumes = docker("volume", "ls", "-q", "--filter", "label=engage-exec.vm.host=%s" % name).stdout.split()
        docker("volume", "rm", "-f", "%s-docker" % name, *volumes, check=False)
    for cid in ids:  # systemd's sub-cgroups keep docker from removing the host's cgroup: remove them depth first
        subprocess.run(["find", "/sys/fs/cgroup", "-depth", "-type", "d", "-path", "*%s*" % cid, "-exec", "rmdir",
                        "{}", ";"], capture_output=True, check=False)


def _ssh_port(name):
    out = docker("port", name, "22/tcp").stdout.split()
    return int(out[0].rsplit(":", 1)[1])


def wait(name):
    """Until systemd says `running` and sshd sends its banner; the host's facts for the inventory."""
    deadline = time.monotonic() + BOOT_TIMEOUT
    state = ""
    while time.monotonic() < deadline:
        state = docker("exec", name, "systemctl", "is-system-running", check=False).stdout.strip()
        if state == "running":
            break
        if state == "degraded":
            failed = docker("exec", name, "systemctl", "--failed", "--no-legend", "--plain", check=False).stdout
            raise VMHostError("%s booted degraded; failed units:\n%s" % (name, failed.strip()))
        time.sleep(0.5)
    else:
        raise VMHostError("%s: systemd not running after %d s (state %r)" % (name, BOOT_TIMEOUT, state))
    port = _ssh_port(name)
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                if conn.recv(64).startswith(b"SSH-"):
                    break
        except OSError:
            pass
        time.sleep(0.3)
    else:
        raise VMHostError("%s: sshd does not answer on 127.0.0.1:%d" % (name, port))
    address = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name).stdout.split()
    return {"address": address[0] if address else None, "ssh_host": "127.0.0.1", "ssh_port": port}


def up(specs, network=None, suite="bookworm", labels=None, image=None):
    """Make sure every host of `specs` runs as specified; {name: facts} once all of them are up."""
    labels = dict(labels or {"engage-exec-test": "1"})
    image = image or node_image(suite)
    pubkey = keypair().with_suffix(".pub")
    if network and docker("network", "inspect", network, check=False).returncode != 0:
        docker("network", "create", "--label", "engage-exec-lab=1", network)
    changed = {}
    for spec in specs:
        argv = _run_argv(spec, image, network, labels, pubkey)
        key = _hash(*(argv + spec.get("tmpfs", [])))
        running, have = _state(spec["name"])
        if have == key:
            changed[spec["name"]] = not running
            if not running:
                docker("start", spec["name"])
            continue
        remove([spec["name"]])
        for index, fs in enumerate(spec.get("tmpfs", [])):
            docker("volume", "create", "--driver", "local", "--opt", "type=tmpfs", "--opt", "device=tmpfs",
                   "--opt", "o=%s" % fs.partition(":")[2], "--label", "engage-exec.vm.host=%s" % spec["name"],
                   "%s-tmpfs%d" % (spec["name"], index))
        docker(*(argv[:-1] + ["--label", "%s=%s" % (LABEL, key), "-p", "127.0.0.1:%d:22" % _free_port(), argv[-1]]))
        changed[spec["name"]] = True
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(specs))) as pool:
        facts = dict(zip([s["name"] for s in specs], pool.map(wait, [s["name"] for s in specs])))
    for name in facts:
        facts[name]["changed"] = changed[name]
    return facts


def down(label):
    names = docker("ps", "-a", "--filter", "label=%s" % label, "--filter", "label=%s" % LABEL,
                   "--format", "{{.Names}}").stdout.split()
    remove(names)
    return names


# Every host (and its host keys) is made anew on ports other hosts used before: no known_hosts.
SSH_OPTIONS = ["-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no"]


def inventory_vars(facts):
    """Ansible connection variables for a host that up() returned."""
    return {"ansible_host": facts["ssh_host"], "ansible_port": facts["ssh_port"], "ansible_user": USER,
            "ansible_ssh_private_key_file": str(CACHE / "ssh" / "id_ed25519"), "ansible_become": True,
            "ansible_python_interpreter": "/usr/bin/python3", "ansible_ssh_common_args": " ".join(SSH_OPTIONS)}


def ssh_argv(facts, *command, user=USER):
    """A plain `ssh` command line that runs ``command`` on a host that up() returned (no connection sharing)."""
    return (["ssh", "-i", str(CACHE / "ssh" / "id_ed25519"), "-p", str(facts["ssh_port"]), "-o", "BatchMode=yes",
             "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5"] + SSH_OPTIONS
            + ["%s@%s" % (user, facts["ssh_host"])] + list(command))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_image = sub.add_parser("image")
    p_image.add_argument("--suite", default="bookworm", choices=SUITES)
    p_up = sub.add_parser("up")
    p_up.add_argument("--spec", required=True, help="JSON list of {name, docker, tmpfs}")
    p_up.add_argument("--network")
    p_up.add_argument("--suite", default="bookworm", choices=SUITES)
    p_up.add_argument("--label", action="append", default=[], help="KEY=VALUE (default engage-exec-test=1)")
    p_down = sub.add_parser("down")
    p_down.add_argument("--label", required=True)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "image":
            print(node_image(args.suite))
        elif args.cmd == "up":
            labels = dict(item.split("=", 1) for item in args.label) or None
            print(json.dumps(up(json.loads(args.spec), args.network, args.suite, labels)))
        else:
            print(json.dumps(down(args.label)))
    except VMHostError as exc:
        print("ERROR: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
