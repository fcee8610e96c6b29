# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the cme_hybrid_transaction tests: the lab Config DB, the GAX stand-in, a one-task playbook runner."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg2

import servers

ROOT = servers.ROOT
SQL_DIR = ROOT / "lab" / "configdb"
GAX_SERVER = ROOT / "lab" / "gax" / "gax_server.py"
VENV_PY = ROOT / ".venv" / "bin" / "python"
MODULE = "engage_exec.recording.cme_hybrid_transaction"


@dataclass
class ConfigDb:
    pg: object
    dbname: str
    ro_user: str
    ro_password: str

    def dsn(self, **extra):
        return self.pg.dsn(self.dbname, **extra)

    def query(self, sql, args=()):
        with psycopg2.connect(self.dsn()) as conn, conn.cursor() as cur:
            cur.execute(sql, args)
            rows = cur.fetchall() if cur.description else None
        conn.close()
        return rows

    def module_args(self, readonly=False, sslmode="disable"):
        """Connection options of the module for this database."""
        return {"configdb_host": self.pg.host, "configdb_port": self.pg.port, "configdb_name": self.dbname,
                "configdb_user": self.ro_user if readonly else self.pg.user,
                "configdb_password": self.ro_password if readonly else self.pg.password,
                "configdb_sslmode": sslmode}

    def reset(self):
        self.query("DELETE FROM cfg_flex_prop; DELETE FROM cfg_transaction WHERE dbid <> 301; "
                   "DELETE FROM cfg_folder WHERE dbid NOT IN (201, 202, 203, 204, 206, 207)")

    def transactions(self, name):
        return self.query("SELECT dbid, tenant_dbid, folder_dbid FROM cfg_transaction WHERE name = %s ORDER BY dbid",
                          (name,))

    def alias(self, name, tenant_dbid=1):
        rows = self.query("SELECT alias FROM cfg_transaction WHERE name = %s AND tenant_dbid = %s",
                          (name, tenant_dbid))
        return rows[0][0] if rows else None

    def add_folder(self, dbid, name, tenant_dbid=1, parent=None, content="CFGTransaction", folder_class="CFGFCUser"):
        self.query("INSERT INTO cfg_folder (dbid, name, tenant_dbid, parent_dbid, object_type, folder_class) "
                   "VALUES (%s, %s, %s, %s, %s, %s)", (dbid, name, tenant_dbid, parent, content, folder_class))

    def legacy_without_alias(self, name, tenant_dbid=1, folder_dbid=201, sections=None):
        """An object saved before Configuration Server required an alias: the rule is lifted for one insert and
        put back NOT VALID (it holds for every later insert and update, not for the rows already there)."""
        rows = self.query(
            "ALTER TABLE cfg_transaction DROP CONSTRAINT cfg_transaction_alias_required; "
            "INSERT INTO cfg_transaction (name, alias, tenant_dbid, folder_dbid) VALUES (%s, '', %s, %s) "
            "RETURNING dbid", (name, tenant_dbid, folder_dbid))
        self.query("ALTER TABLE cfg_transaction ADD CONSTRAINT cfg_transaction_alias_required "
                   "CHECK (btrim(alias) <> '') NOT VALID")
        for section, keys in (sections or {}).items():
            self.add_section(name, section, keys, tenant_dbid)
        return rows[0][0]

    def add_section(self, name, section, keys, tenant_dbid=1):
        """An Annex section written by someone else (another product) straight into the Config DB."""
        dbid = self.query("SELECT dbid FROM cfg_transaction WHERE name = %s AND tenant_dbid = %s",
                          (name, tenant_dbid))[0][0]
        sid = self.query("INSERT INTO cfg_flex_prop (object_dbid, object_type, parent_dbid, prop_type, prop_name) "
                         "VALUES (%s, 'CfgTransaction', 0, 1, %s) RETURNING dbid", (dbid, section))[0][0]
        for key, value in keys.items():
            self.query("INSERT INTO cfg_flex_prop (object_dbid, object_type, parent_dbid, prop_type, prop_name, "
                       "prop_value) VALUES (%s, 'CfgTransaction', %s, 2, %s, %s)", (dbid, sid, key, str(value)))

    def annex(self, name, tenant_dbid=1):
        rows = self.query(
            "SELECT s.prop_name, k.prop_name, k.prop_value FROM cfg_transaction t "
            "JOIN cfg_flex_prop s ON s.object_dbid = t.dbid AND s.prop_type = 1 "
            "JOIN cfg_flex_prop k ON k.parent_dbid = s.dbid AND k.prop_type = 2 "
            "WHERE t.name = %s AND t.tenant_dbid = %s", (name, tenant_dbid))
        out = {}
        for section, key, value in rows:
            out.setdefault(section, {})[key] = value
        return out

    def snapshot(self):
        return (self.query("SELECT * FROM cfg_transaction ORDER BY dbid"),
                self.query("SELECT * FROM cfg_flex_prop ORDER BY dbid"))


def make_configdb(pg, tag):
    """A new database in ``pg`` with the lab schema and seed, plus a read-only role."""
    dbname = "cme_%s_%s" % (tag, secrets.token_hex(3))
    ro_user, ro_password = dbname + "_ro", "ro-" + secrets.token_hex(8)
    pg.psql("CREATE DATABASE %s" % dbname)
    for sql in sorted(SQL_DIR.glob("*.sql")):
        env = dict(os.environ, PGPASSWORD=pg.password)
        subprocess.run(["psql", "-h", pg.host, "-p", str(pg.port), "-U", pg.user, "-d", dbname, "-v",
                        "ON_ERROR_STOP=1", "-q", "-f", str(sql)], env=env, check=True, capture_output=True)
    pg.psql("CREATE ROLE %s LOGIN PASSWORD '%s'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s"
            % (ro_user, ro_password, ro_user), dbname)
    return ConfigDb(pg, dbname, ro_user, ro_password)


class Gax:
    def __init__(self, db, workdir, tls=None):
        self.user, self.password = "gaxadmin", "gax-" + secrets.token_hex(8)
        self.port = servers.free_port()
        self.scheme = "https" if tls else "http"
        self.url = "%s://127.0.0.1:%d" % (self.scheme, self.port)
        self.log = open(Path(workdir) / "gax.log", "w")
        args = [str(VENV_PY if VENV_PY.exists() else sys.executable), str(GAX_SERVER), "--dsn", db.dsn(),
                "--port", str(self.port), "--user", self.user, "--admin"]
        if tls:
            args += ["--tls-cert", str(tls.cert_path), "--tls-key", str(tls.key_path)]
        self.proc = subprocess.Popen(args, env=dict(os.environ, GAX_LAB_PASSWORD=self.password),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        servers.wait_port("127.0.0.1", self.port, proc=self.proc)

    def module_args(self):
        return {"gax_url": self.url, "gax_username": self.user, "gax_password": self.password}

    def _admin(self, what, body):
        req = urllib.request.Request("http://127.0.0.1:%d/lab/admin/%s" % (self.port, what), method="POST",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.load(resp)

    def fault(self, mode="none", delay=0, methods=(), path=""):
        return self._admin("fault", {"mode": mode, "delay": delay, "methods": list(methods), "path": path})

    def folder_shape(self, shape):
        """model: folders with content type and folder class; bare: without them (a GAX that does not show them)."""
        return self._admin("folders", {"shape": shape})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()


class ModuleRunner:
    """Runs the module in a one-task playbook; returns (proc, result dict)."""

    def __init__(self, workdir, playbook):
        self.workdir = Path(workdir)
        self.playbook = playbook
        self.count = 0
        self.inventory = self.workdir / "hosts.ini"
        self.inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % VENV_PY)

    def write(self, args, environment=None):
        self.count += 1
        out = self.workdir / ("result-%d.json" % self.count)
        task = {"name": "module under test", MODULE: args, "register": "r", "ignore_errors": True}
        if environment:
            task["environment"] = environment
        play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
            task,
            {"name": "save the result", "ansible.builtin.copy": {"content": "{{ r | to_json }}", "dest": str(out)},
             "check_mode": False, "no_log": True},
        ]}]
        path = self.workdir / ("play-%d.yml" % self.count)
        path.write_text(json.dumps(play))
        return path, out

    def start(self, args, *flags, environment=None):
        path, out = self.write(args, environment)
        cmd = [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(self.inventory), str(path), *flags]
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0")
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True), out

    def __call__(self, args, *flags, environment=None):
        path, out = self.write(args, environment)
        proc = self.playbook(path, self.inventory, *flags)
        assert out.exists(), "no result written:\n" + proc.stdout[-4000:]
        return proc, json.loads(out.read_text())


def wait_all(procs, timeout=120):
    deadline = time.monotonic() + timeout
    outs = []
    for proc, out in procs:
        text, _err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
        outs.append((proc.returncode, text, json.loads(Path(out).read_text())))
    return outs
