-- Copyright: (c) 2026, engage_exec.recording contributors
-- GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- Folders and transactions as the Configuration Server object model has them (../../../shared/PUBLIC-FACTS.md):
-- - a CfgTransaction has an alias, and Configuration Server refuses one without it. NOT VALID: rows written before
--   this rule (a site's legacy object) stay readable; every insert, and every update of such a row, must set one.
-- - a CfgFolder has a content type (object_type, a CfgObjectType name such as CFGTransaction), a folder class
--   (CFGFCDefault for the tenant's default folder of that type, CFGFCSystem, CFGFCUser) and an owner {type, dbid}
--   (owner_type + tenant_dbid). It replaces version 1's is_default flag, which the object model does not have.
-- - a user sub-folder "Recording" under Environment's Transactions/EXEC, and Tenant_B's user folder "EXEC".

ALTER TABLE cfg_transaction ALTER COLUMN alias DROP DEFAULT;
ALTER TABLE cfg_transaction ADD CONSTRAINT cfg_transaction_alias_required CHECK (btrim(alias) <> '') NOT VALID;

ALTER TABLE cfg_folder ADD COLUMN folder_class varchar(32) NOT NULL DEFAULT 'CFGFCUser'
    CHECK (folder_class IN ('CFGFCDefault', 'CFGFCSystem', 'CFGFCUser'));
ALTER TABLE cfg_folder ADD COLUMN owner_type varchar(32) NOT NULL DEFAULT 'CFGTenant';
UPDATE cfg_folder SET folder_class = 'CFGFCDefault' WHERE is_default;
ALTER TABLE cfg_folder DROP COLUMN is_default;
UPDATE cfg_folder SET object_type = 'CFG' || substr(object_type, 4) WHERE object_type LIKE 'Cfg%';
-- One default folder per tenant and content type, as Configuration Server keeps it.
CREATE UNIQUE INDEX cfg_folder_one_default ON cfg_folder (tenant_dbid, object_type) WHERE folder_class = 'CFGFCDefault';

INSERT INTO cfg_folder (dbid, name, tenant_dbid, parent_dbid, object_type, folder_class) VALUES
    (206, 'Recording', 1, 202, 'CFGTransaction', 'CFGFCUser'),
    (207, 'EXEC', 101, 203, 'CFGTransaction', 'CFGFCUser');

INSERT INTO lab_schema_version (version, description)
VALUES (3, 'object model: CfgTransaction alias required; CfgFolder class, content type, owner');
