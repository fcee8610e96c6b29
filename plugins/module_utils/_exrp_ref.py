# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exrp_image's inputs: the error type of every ``_exrp_*`` backend file, and the EXRP image reference written once
(archive file name, tag, checksum, registry, repository) for the module and for the role's input check (the filter
``exrp_image_input_problems``)."""

from __future__ import annotations

import os
import posixpath
import re

from urllib.parse import unquote, urlsplit

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError

FILE_NAME = re.compile(r"^exrp-(?P<version>[0-9A-Za-z][0-9A-Za-z._-]*?)\.(?:tgz|tar\.gz|tar)$")
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
CHECKSUM_RE = re.compile(r"^sha256:(?P<hex>[0-9a-fA-F]{64})$")
REGISTRY_RE = re.compile(r"^[^/:\s]+:[0-9]+$")
REPOSITORY_RE = re.compile(r"^[a-z0-9]+([._/-][a-z0-9]+)*$")
URL_RE = re.compile(r"^(https|ftp)://")


class ExrpImageError(ModuleError):
    """An expected failure of exrp_image; the message names the object, the cause and a hint."""


def parse_checksum(value):
    """'sha256:<hex>' -> hex (lower-case); None stays None."""
    if value is None:
        return None
    m = CHECKSUM_RE.match(value.strip())
    if not m:
        raise ExrpImageError("checksum %r is not of the form sha256:<64 hex digits>. Give the sha256 the vendor "
                             "publishes for the archive." % value)
    return m.group("hex").lower()


def tag_from_name(src):
    """The version in ``exrp-<version>.tgz`` (path or URL), or None."""
    name = posixpath.basename(unquote(urlsplit(src).path) if "://" in src else src.replace(os.sep, "/"))
    m = FILE_NAME.match(name)
    return m.group("version") if m else None


def redact_url(url):
    """The URL without user:password."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += ":%d" % parts.port
        parts = parts._replace(netloc=netloc)
    return parts.geturl()


def input_problems(src, checksum, registry, repository, tag, url_username="", url_password=""):
    """The names of the role inputs that are missing or malformed (empty list: usable); every value is text."""
    problems = []
    if not src:
        problems.append("exrp_image_src")
    if not CHECKSUM_RE.match(checksum):
        problems.append("exrp_image_checksum")
    if not REGISTRY_RE.match(registry):
        problems.append("exrp_image_registry")
    if not REPOSITORY_RE.match(repository):
        problems.append("exrp_image_repository")
    if tag and not TAG_RE.match(tag):
        problems.append("exrp_image_tag")
    if not tag and src and not tag_from_name(src):
        problems.append("exrp_image_tag")
    if url_password and not url_username:
        problems.append("exrp_image_url_username")
    return problems
