# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import ssl

from ansible_collections.engage_exec.recording.plugins.module_utils._tls import verify_hint


def _error(message):
    return ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: " + message)


def test_expired_certificate_is_renewed_not_re_trusted():
    hint = verify_hint(_error("certificate has expired"), "GAX")
    assert "renew" in hint and "ca_path does not change this" in hint


def test_name_mismatch_names_the_cause():
    hint = verify_hint(_error("Hostname mismatch, certificate is not valid for 'gax'."), "GAX")
    assert "does not name the address" in hint


def test_unknown_issuer_points_to_the_ca_option():
    hint = verify_hint(_error("unable to get local issuer certificate"), "the registry", "url_ca_path")
    assert hint.startswith("Set url_ca_path to the CA that signed the certificate of the registry")
