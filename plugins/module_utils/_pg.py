# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PostgreSQL connection details shared by the modules that log in to the Engage Config DB."""

from __future__ import annotations

import os
import ssl

VERIFYING_SSLMODES = ("verify-ca", "verify-full")
_WELL_KNOWN_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                       "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem")


def sslrootcert(sslmode, ca_path=None):
    """The ``sslrootcert`` to give libpq: ``ca_path`` when set; for a verifying ``sslmode`` without one, the host's
    system CA bundle (libpq would otherwise look only at ``~/.postgresql/root.crt`` and refuse to connect), unless
    that per-user file exists. None leaves libpq's own default."""
    if ca_path:
        return ca_path
    if sslmode not in VERIFYING_SSLMODES:
        return None
    if os.path.isfile(os.path.expanduser("~/.postgresql/root.crt")):
        return None
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile) + _WELL_KNOWN_BUNDLES:
        if candidate and os.path.isfile(candidate):
            return candidate
    return None
