# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Config DB (PostgreSQL) backend of cme_hybrid_transaction, and the read-back used by verify_configdb.

A direct write is a lab/bootstrap path: Configuration Server caches configuration and does not see it until it is
restarted or synchronised. Everything happens in one database transaction: an advisory lock per (tenant, name)
serialises concurrent writers (the same lock the lab's GAX stand-in takes), and any error rolls back.

Tables (see lab/configdb/*.sql): cfg_tenant, cfg_folder (content type ``object_type``, ``folder_class``, owner),
cfg_transaction (with its mandatory ``alias``), and cfg_flex_prop where an Annex section is a row with prop_type 1
(parent_dbid 0) and each key a row with prop_type 2 under it.
"""

from __future__ import annotations

import traceback

from ansible_collections.engage_exec.recording.plugins.module_utils import _annex
from ansible_collections.engage_exec.recording.plugins.module_utils._annex import AnnexError

PSYCOPG2_IMPORT_ERROR = None
try:
    import psycopg2
except ImportError:  # pragma: no cover - reported by the module with missing_required_lib
    psycopg2 = None
    PSYCOPG2_IMPORT_ERROR = traceback.format_exc()

LOCK_CLASS = 0x4558
OBJECT_TYPE = "CfgTransaction"
SECTION, KEY = 1, 2


def _first_line(exc):
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class ConfigDbBackend:
    """One connection, one transaction. ``readonly`` opens a read-only session (verify_configdb)."""

    def __init__(self, conn_params, where, readonly=False, lock=True):
        self.params = dict(conn_params)
        self.where = where
        self.readonly = readonly
        self.lock = lock and not readonly
        self.conn = None

    def open(self):
        kwargs = {k: v for k, v in self.params.items() if v not in (None, "")}
        kwargs.setdefault("application_name", "cme_hybrid_transaction")
        # Never wait forever for a lock another session holds: give up after the module's timeout.
        options = "-c lock_timeout=%ds" % int(self.params.get("connect_timeout") or 30)
        if self.readonly:
            options += " -c default_transaction_read_only=on"
        kwargs["options"] = options
        try:
            self.conn = psycopg2.connect(**kwargs)
        except psycopg2.Error as exc:
            raise AnnexError("%s: cannot open the Config DB %s@%s:%s/%s (%s). Check configdb_host, configdb_port, "
                             "configdb_name, configdb_user/configdb_password and configdb_sslmode."
                             % (self.where, self.params.get("user"), self.params.get("host"),
                                self.params.get("port"), self.params.get("dbname"), _first_line(exc))) from None

    def close(self):
        if self.conn is not None:
            try:
                self.conn.rollback()
            finally:
                self.conn.close()
                self.conn = None

    def commit(self):
        try:
            self.conn.commit()
        except psycopg2.Error as exc:
            raise AnnexError("%s: the Config DB refused the commit (%s); nothing was written."
                             % (self.where, _first_line(exc))) from None

    def rollback(self):
        if self.conn is not None and not self.conn.closed:
            self.conn.rollback()

    def _q(self, sql, args=()):
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall() if cur.description else None
        except psycopg2.Error as exc:
            self.rollback()
            raise AnnexError("%s: Config DB statement failed, the transaction was rolled back (%s). Is this the "
                             "Config DB and may configdb_user write it?" % (self.where, _first_line(exc))) from None

    # ----------------------------------------------------------------------------------------------- objects
    def tenant_dbid(self, name):
        rows = self._q("SELECT dbid FROM cfg_tenant WHERE name = %s", (name,))
        return rows[0][0] if rows else None

    def folders(self, tenant_dbid):
        rows = self._q("SELECT dbid, name, parent_dbid, object_type, folder_class FROM cfg_folder "
                       "WHERE tenant_dbid = %s ORDER BY dbid", (tenant_dbid,))
        return [_annex.folder(*r) for r in rows]

    def find(self, tenant_dbid, name):
        if self.lock:  # held until commit/rollback: a concurrent run waits here, then sees our object
            self._q("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_CLASS, "%s/%s" % (tenant_dbid, name)))
        rows = self._q("SELECT dbid, name, tenant_dbid, folder_dbid, subtype, state, alias FROM cfg_transaction "
                       "WHERE tenant_dbid = %s AND name = %s ORDER BY dbid" + ("" if self.readonly else " FOR UPDATE"),
                       (tenant_dbid, name))
        if len(rows) > 1:
            raise AnnexError("%s: the Config DB holds several objects of this name in the tenant (dbids %s). "
                             "Remove the duplicates first." % (self.where, ", ".join(str(r[0]) for r in rows)))
        if not rows:
            return None
        r = rows[0]
        return {"dbid": r[0], "name": r[1], "alias": r[6] or "", "tenantdbid": r[2], "folderid": r[3],
                "subtype": r[4], "state": r[5], "sections": self._annex(r[0])}

    def _annex_rows(self, dbid):
        rows = self._q("SELECT dbid, parent_dbid, prop_type, prop_name, prop_value FROM cfg_flex_prop "
                       "WHERE object_type = %s AND object_dbid = %s ORDER BY dbid", (OBJECT_TYPE, dbid))
        sections = {r[0]: r[3] for r in rows if r[2] == SECTION}
        keys = {}
        for r in rows:
            if r[2] == KEY and r[1] in sections:
                keys[(sections[r[1]], r[3])] = (r[0], r[4])
        return {name: dbid for dbid, name in sections.items()}, keys

    def _annex(self, dbid):
        _sections, keys = self._annex_rows(dbid)
        out = {}
        for (section, key), (_row, value) in keys.items():
            out.setdefault(section, {})[key] = value
        return out

    def create(self, obj):
        rows = self._q("INSERT INTO cfg_transaction (name, alias, tenant_dbid, folder_dbid, subtype, state) "
                       "VALUES (%s, %s, %s, %s, %s, %s) RETURNING dbid",
                       (obj["name"], obj["alias"], obj["tenantdbid"], obj["folderid"], obj["subtype"], obj["state"]))
        dbid = rows[0][0]
        self._write_annex(dbid, obj["sections"])
        return dbid

    def update(self, current, obj):
        if int(obj["folderid"]) != int(current["folderid"]) or obj["alias"] != current.get("alias"):
            self._q("UPDATE cfg_transaction SET folder_dbid = %s, alias = %s WHERE dbid = %s",
                    (obj["folderid"], obj["alias"], current["dbid"]))
        self._write_annex(current["dbid"], obj["sections"])

    def delete(self, current):
        self._q("DELETE FROM cfg_flex_prop WHERE object_type = %s AND object_dbid = %s", (OBJECT_TYPE, current["dbid"]))
        self._q("DELETE FROM cfg_transaction WHERE dbid = %s", (current["dbid"],))

    def _write_annex(self, dbid, wanted):
        """Change only the rows that differ: update values, insert new keys/sections, delete the others."""
        sections, keys = self._annex_rows(dbid)
        for (section, key), (row, value) in keys.items():
            if key not in wanted.get(section, {}):
                self._q("DELETE FROM cfg_flex_prop WHERE dbid = %s", (row,))
            elif wanted[section][key] != value:
                self._q("UPDATE cfg_flex_prop SET prop_value = %s WHERE dbid = %s", (wanted[section][key], row))
        for section, kv in wanted.items():
            if section not in sections:
                sections[section] = self._q(
                    "INSERT INTO cfg_flex_prop (object_dbid, object_type, parent_dbid, prop_type, prop_name, prop_value) "
                    "VALUES (%s, %s, 0, %s, %s, '') RETURNING dbid", (dbid, OBJECT_TYPE, SECTION, section))[0][0]
            for key, value in kv.items():
                if (section, key) not in keys:
                    self._q("INSERT INTO cfg_flex_prop (object_dbid, object_type, parent_dbid, prop_type, prop_name, "
                            "prop_value) VALUES (%s, %s, %s, %s, %s, %s)",
                            (dbid, OBJECT_TYPE, sections[section], KEY, key, value))
        for section, row in sections.items():
            if not wanted.get(section):
                self._q("DELETE FROM cfg_flex_prop WHERE dbid = %s OR parent_dbid = %s", (row, row))


def read_back(conn_params, where, tenant, name):
    """The object as EXCS will read it from the Config DB (read-only session); None when absent."""
    db = ConfigDbBackend(conn_params, where, readonly=True)
    db.open()
    try:
        tenant_dbid = db.tenant_dbid(tenant)
        if tenant_dbid is None:
            raise AnnexError("%s: verify_configdb: tenant %r is not in the Config DB %s. Do configdb_* point at the "
                             "Config DB that GAX writes to?" % (where, tenant, conn_params.get("dbname")))
        return db.find(tenant_dbid, name)
    finally:
        db.close()
