-- Copyright: (c) 2026, engage_exec.recording contributors
-- GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- The lab's Engage configuration: the single-tenant default tenant "Environment" (dbid 1) and a second
-- tenant "Tenant_B" (dbid 101) for multi-tenant tests, each with its Transactions folder; Environment also has
-- a sub-folder "EXEC" and an unrelated transaction "hybrid_legacy" of another type (CFGTRTRoutingStrategy).

INSERT INTO cfg_tenant (dbid, name) VALUES (1, 'Environment'), (101, 'Tenant_B');

INSERT INTO cfg_folder (dbid, name, tenant_dbid, parent_dbid, object_type, is_default) VALUES
    (201, 'Transactions', 1, NULL, 'CfgTransaction', true),
    (202, 'EXEC', 1, 201, 'CfgTransaction', false),
    (203, 'Transactions', 101, NULL, 'CfgTransaction', true),
    (204, 'Persons', 1, NULL, 'CfgPerson', true);

INSERT INTO cfg_transaction (dbid, name, tenant_dbid, folder_dbid, subtype) VALUES
    (301, 'hybrid_legacy', 1, 201, 'CFGTRTRoutingStrategy');

INSERT INTO lab_schema_version (version, description) VALUES (2, 'seed: Environment, Tenant_B, folders');
