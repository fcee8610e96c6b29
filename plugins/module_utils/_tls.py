# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What to do about a failed TLS verification: the fix depends on why it failed, not only on the CA."""

from __future__ import annotations


def verify_hint(exc, who, ca_option="ca_path"):
    """The fix for a certificate verification error ``exc`` of server ``who`` (a sentence).

    An expired certificate or a name mismatch is not cured by another CA file, so those get their own advice;
    anything else (unknown issuer, self-signed) points to ``ca_option``.
    """
    text = str(exc)
    if "certificate has expired" in text or "certificate is not yet valid" in text:
        return ("The certificate of %s is outside its validity period: renew it on that server (or check this "
                "host's clock); %s does not change this." % (who, ca_option))
    if "mismatch" in text or "doesn't match" in text:
        return ("The certificate of %s does not name the address used: connect with a name the certificate lists, "
                "or reissue the certificate." % who)
    return ("Set %s to the CA that signed the certificate of %s (validate_certs: false only in a throwaway lab)."
            % (ca_option, who))
