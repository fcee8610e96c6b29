# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exrp_image's download of a URL source (https:// with requests, ftp:// with ftplib), streamed to a file."""

from __future__ import annotations

import os
import tempfile

from urllib.parse import unquote, urlsplit

from ansible_collections.engage_exec.recording.plugins.module_utils import _registry, _tls
from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_archive import CHUNK
from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_ref import ExrpImageError, redact_url


def download(url, dest_dir, username=None, password=None, verify=True, timeout=60):
    """Stream ``url`` (https:// or ftp://) into a new file in ``dest_dir``; returns its path."""
    parts = urlsplit(url)
    shown = redact_url(url)
    fd, tmp = tempfile.mkstemp(prefix=".exrp-download-", dir=dest_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            if parts.scheme == "https":
                _download_https(url, shown, out, username, password, verify, timeout)
            elif parts.scheme == "ftp":
                _download_ftp(parts, shown, out, username, password, timeout)
            else:
                raise ExrpImageError("%s - unsupported URL scheme %r; src must be a local path, an https:// or an "
                                     "ftp:// URL." % (shown, parts.scheme))
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _download_https(url, shown, out, username, password, verify, timeout):
    requests = _registry.load_requests()
    auth = (username, password or "") if username else None
    try:
        with requests.get(url, stream=True, auth=auth, verify=verify, timeout=timeout) as resp:
            if resp.status_code in (401, 403):
                raise ExrpImageError("%s - download refused (%d). Check url_username/url_password."
                                     % (shown, resp.status_code))
            if resp.status_code != 200:
                raise ExrpImageError("%s - download failed (HTTP %d). Check the URL." % (shown, resp.status_code))
            for chunk in resp.iter_content(CHUNK):
                out.write(chunk)
    except requests.exceptions.SSLError as exc:
        raise ExrpImageError("%s - TLS verification failed (%s). %s"  # pylint: disable=protected-access
                             % (shown, _registry._short(exc), _tls.verify_hint(exc, "that server", "url_ca_path")))
    except requests.exceptions.RequestException as exc:
        raise ExrpImageError("%s - download failed (%s). Check the URL and that this host reaches it."
                             % (shown, _registry._short(exc)))  # pylint: disable=protected-access


def _download_ftp(parts, shown, out, username, password, timeout):
    # imported here, only for ftp:// sources: it imports ssl (~10 ms), which a rerun needs only in the registry thread
    import ftplib  # pylint: disable=import-outside-toplevel
    user = username or (unquote(parts.username) if parts.username else "anonymous")
    pw = password if password is not None else (unquote(parts.password) if parts.password else "")
    path = unquote(parts.path)
    try:
        ftp = ftplib.FTP(timeout=timeout)
        try:
            ftp.connect(parts.hostname, parts.port or 21)
            ftp.login(user, pw)
            ftp.retrbinary("RETR " + path, out.write, blocksize=CHUNK)
        finally:
            try:
                ftp.quit()
            except (ftplib.all_errors):
                ftp.close()
    except ftplib.error_perm as exc:
        code = str(exc)[:3]
        if code in ("530", "331", "332"):
            raise ExrpImageError("%s - FTP login refused (%s). Check url_username/url_password." % (shown, code))
        raise ExrpImageError("%s - FTP download failed (%s). Check the path." % (shown, str(exc).strip()))
    except ftplib.all_errors as exc:
        raise ExrpImageError("%s - FTP download failed (%s). Check the URL and that this host reaches it."
                             % (shown, exc))
