-- Copyright: (c) 2026, engage_exec.recording contributors
-- GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- The lab's Engage Config DB: the subset of the Configuration Server schema that the hybrid_integration
-- Transaction touches (tenants, folders, transactions and their Annex in cfg_flex_prop). Enumerations are
-- stored by their Configuration Server names ('CFGTRTList', 'CFGEnabled') so that the tables read like GAX.
-- Version 1. Apply the files of this folder in name order, each once (psql -v ON_ERROR_STOP=1 -f ...).

CREATE TABLE IF NOT EXISTS lab_schema_version (
    version     integer PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    description text NOT NULL
);

-- One dbid sequence for every object, as Configuration Server never reuses a dbid across types in the lab.
CREATE SEQUENCE IF NOT EXISTS cfg_object_dbid_seq START WITH 1000;

CREATE TABLE cfg_tenant (
    dbid    integer PRIMARY KEY DEFAULT nextval('cfg_object_dbid_seq'),
    name    varchar(255) NOT NULL UNIQUE,
    state   varchar(32) NOT NULL DEFAULT 'CFGEnabled'
);

-- A folder is owned by a tenant and holds objects of one type; the tenant's default folder for a type has
-- is_default = true (for transactions: "Transactions").
CREATE TABLE cfg_folder (
    dbid         integer PRIMARY KEY DEFAULT nextval('cfg_object_dbid_seq'),
    name         varchar(255) NOT NULL,
    tenant_dbid  integer NOT NULL REFERENCES cfg_tenant (dbid),
    parent_dbid  integer REFERENCES cfg_folder (dbid),
    object_type  varchar(64) NOT NULL,
    is_default   boolean NOT NULL DEFAULT false,
    state        varchar(32) NOT NULL DEFAULT 'CFGEnabled'
);

-- Transactions. Configuration Server, not the database, keeps names unique within a tenant; writers must lock
-- (the configdb backend takes an advisory lock per tenant and name).
CREATE TABLE cfg_transaction (
    dbid         integer PRIMARY KEY DEFAULT nextval('cfg_object_dbid_seq'),
    name         varchar(255) NOT NULL,
    tenant_dbid  integer NOT NULL REFERENCES cfg_tenant (dbid),
    folder_dbid  integer NOT NULL REFERENCES cfg_folder (dbid),
    subtype      varchar(64) NOT NULL DEFAULT 'CFGTRTList',
    alias        varchar(255) NOT NULL DEFAULT '',
    state        varchar(32) NOT NULL DEFAULT 'CFGEnabled'
);
CREATE INDEX cfg_transaction_tenant_name ON cfg_transaction (tenant_dbid, name);

-- Annex (user properties) of any object: one section row (prop_type 1, parent_dbid 0, prop_value ''), then
-- its key rows (prop_type 2, parent_dbid = the section row's dbid). object_type 'CfgTransaction' etc.
CREATE TABLE cfg_flex_prop (
    dbid         integer PRIMARY KEY DEFAULT nextval('cfg_object_dbid_seq'),
    object_dbid  integer NOT NULL,
    object_type  varchar(64) NOT NULL,
    parent_dbid  integer NOT NULL DEFAULT 0,
    prop_type    smallint NOT NULL CHECK (prop_type IN (1, 2)),
    prop_name    varchar(255) NOT NULL,
    prop_value   text NOT NULL DEFAULT ''
);
CREATE INDEX cfg_flex_prop_object ON cfg_flex_prop (object_type, object_dbid);

INSERT INTO lab_schema_version (version, description)
VALUES (1, 'tenants, folders, transactions, cfg_flex_prop');
