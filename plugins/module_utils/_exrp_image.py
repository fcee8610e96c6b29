# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Backend of engage_exec.recording.exrp_image: a ``docker save`` archive into a registry, once, by digest.

The workflow; each concern has its own file: the inputs and the error type (``_exrp_ref``), reading the archive
(``_exrp_archive``), downloading a URL source (``_exrp_download``), the Docker engine (``_exrp_docker``), the
registry API (``_registry``). The config digest read from the archive is the image ID, which is also the config
digest the registry holds for a pushed image: comparing the two tells whether the tag already carries this content,
without loading anything into Docker.

Backend contract (docs/architecture.md): ``run(params, check_mode)`` returns the result (``changed``, ``diff``,
``warnings``, the return values) or raises ``ExrpImageError`` (a ``ModuleError``).
"""

from __future__ import annotations

import collections
import os
import posixpath
import threading

from urllib.parse import unquote, urlsplit

from ansible_collections.engage_exec.recording.plugins.module_utils import _registry
from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_archive import scan_archive
from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_docker import (
    docker_client, docker_load, docker_push)
from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_download import download
from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_ref import (
    TAG_RE, ExrpImageError, parse_checksum, redact_url, tag_from_name)

# What one run works on, worked out once from the parameters (see _job).
Job = collections.namedtuple("Job", "params check_mode src is_url shown_src checksum tag repository target_repo "
                                    "image_ref")


def _job(params, check_mode):
    src = params["src"]
    is_url = "://" in src
    shown_src = redact_url(src) if is_url else src
    checksum = parse_checksum(params.get("checksum"))
    tag = params.get("tag") or tag_from_name(src)
    if not tag:
        raise ExrpImageError("%s - cannot tell the tag: the file name is not exrp-<version>.tgz. Set tag."
                             % shown_src)
    if not TAG_RE.match(tag):
        raise ExrpImageError("tag %r is not a valid image tag (letters, digits, '_', '.', '-'; at most 128)." % tag)
    repository = params["repository"].strip("/")
    target_repo = "%s/%s" % (params["registry"], repository)
    return Job(params, check_mode, src, is_url, shown_src, checksum, tag, repository, target_repo,
               "%s:%s" % (target_repo, tag))


def run(params, check_mode):
    """The module's whole job; returns the result dict. Raises ExrpImageError for expected failures."""
    job = _job(params, check_mode)
    warnings = []
    if not job.checksum:
        warnings.append("no checksum given: %s was not verified against the published sha256 (set checksum)."
                        % job.shown_src)
    verify = params.get("ca_path") or True
    if not params.get("validate_certs", True):
        verify = False

    # 1. the archive: local, cached, or downloaded (streamed to disk); one pass: checksum + manifest/config.
    # Meanwhile another thread asks the registry what the tag holds (read-only); its answer is used only once the
    # archive is verified, and the archive's errors are reported first.
    query = RegistryQuery(params, params["registry"], job.repository, job.tag, verify)
    query.start()
    obtained = {"downloaded": False, "cached": None, "tmp": None}
    try:
        path, scan = _obtain(job, obtained)
        if obtained["downloaded"]:
            query.refresh = True  # a download takes a while: ask again right before deciding
        if job.checksum and scan["sha256"] != job.checksum:
            raise ExrpImageError("%s - checksum mismatch: expected sha256:%s, the file has sha256:%s. The archive "
                                 "is damaged or not the published one; download it again. Nothing was loaded or "
                                 "pushed." % (job.shown_src, job.checksum, scan["sha256"]), warnings=warnings)
        if obtained["tmp"] and params.get("cache_dir") and not check_mode:
            os.replace(obtained["tmp"], obtained["cached"])
            obtained["tmp"] = None
            path = obtained["cached"]
        result = _push(job, path, scan, query, warnings)
    finally:
        if obtained["tmp"] and os.path.exists(obtained["tmp"]):
            os.unlink(obtained["tmp"])
    if obtained["downloaded"] and params.get("cache_dir"):
        result["changed"] = True  # a new file in the cache is a change too
    result["downloaded"] = obtained["downloaded"]
    result["archive"] = obtained["cached"] if params.get("cache_dir") and job.is_url else (
        None if job.is_url else job.src)
    result["warnings"] = warnings
    return result


class RegistryQuery(threading.Thread):
    """Asks the registry (ping, then the manifest under the tag) in a thread, while the archive is read.

    Read-only. ``answer()`` waits for it and returns (client, manifest or None), or raises the RegistryError it met.
    With ``refresh`` set, ``answer()`` asks for the manifest again (same client and connection) before returning.
    """

    def __init__(self, params, registry, repository, tag, verify):
        super().__init__(daemon=True, name="exrp-registry-query")
        self.params = params
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.verify = verify
        self.refresh = False
        self.client = None
        self.current = None
        self.error = None

    def run(self):
        try:
            p = self.params
            self.client = _registry.RegistryClient(self.registry, p.get("registry_username"),
                                                   p.get("registry_password"), verify=self.verify,
                                                   timeout=p.get("timeout") or 60)
            self.client.ping()
            self.current = self.client.manifest(self.repository, self.tag)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            self.error = exc  # raised in the main thread by answer(), as it is

    def answer(self):
        self.join()
        if self.error is not None:
            raise self.error
        if self.refresh:
            self.current = self.client.manifest(self.repository, self.tag)
            self.refresh = False
        return self.client, self.current


def _scan(path, shown_src, job):
    if not os.path.exists(path):
        raise ExrpImageError("%s - the archive does not exist on this host. Check src (a path on the host that "
                             "runs the task, or an https:// / ftp:// URL)." % shown_src)
    if not os.path.isfile(path):
        raise ExrpImageError("%s - src is not a regular file." % shown_src)
    try:
        return scan_archive(path, job.params.get("scan_cache_dir"), write_memo=not job.check_mode)
    except OSError as exc:
        raise ExrpImageError("%s - cannot read the archive (%s)." % (shown_src, exc.strerror or exc))


def _obtain(job, obtained):
    """(path, scan) of the archive to use; a URL is taken from cache_dir when a verified copy is there."""
    params, check_mode = job.params, job.check_mode
    if not job.is_url:
        return job.src, _scan(job.src, job.shown_src, job)
    cache_dir = params.get("cache_dir")
    if cache_dir and not os.path.isdir(cache_dir):
        if not check_mode:
            raise ExrpImageError("cache_dir %s does not exist. Create it first (the role does)." % cache_dir)
        cache_dir = None  # check mode before the directory exists: nothing cached yet
    if cache_dir:
        name = posixpath.basename(unquote(urlsplit(job.src).path)) or "exrp-%s.tgz" % job.tag
        obtained["cached"] = os.path.join(cache_dir, name)
        if job.checksum and os.path.isfile(obtained["cached"]):
            scan = _scan(obtained["cached"], obtained["cached"], job)
            if scan["sha256"] == job.checksum:
                return obtained["cached"], scan
    url_verify = params.get("url_ca_path") or True
    if not params.get("validate_certs", True):
        url_verify = False
    dest_dir = cache_dir if cache_dir and not check_mode else params.get("download_dir")
    if not dest_dir or not os.path.isdir(dest_dir):
        raise ExrpImageError("download_dir %s does not exist. Create it or leave download_dir unset." % dest_dir)
    obtained["tmp"] = download(job.src, dest_dir, params.get("url_username"), params.get("url_password"),
                               url_verify, params.get("timeout") or 60)
    obtained["downloaded"] = True
    return obtained["tmp"], _scan(obtained["tmp"], job.shown_src, job)


def _push(job, path, scan, query, warnings):
    """Steps 2 and 3: compare with what the registry holds under the tag; load, tag, push and confirm if needed."""
    image_ref = job.image_ref
    if scan["error"]:
        raise ExrpImageError("%s - %s. src must be the EXRP docker-save archive (exrp-<version>.tgz). Nothing was "
                             "loaded or pushed." % (job.shown_src, scan["error"]), warnings=warnings)
    info = scan["info"]

    # 2. what the registry has under that tag (asked while the archive was read)
    try:
        client, current = query.answer()
    except _registry.RegistryError as exc:
        raise ExrpImageError("%s - %s Nothing was loaded or pushed." % (image_ref, exc), warnings=warnings)

    result = {"image": image_ref, "image_id": info["image_id"], "size": info["size"],
              "archive_sha256": "sha256:" + scan["sha256"], "digest": None, "changed": False, "loaded": False,
              "pushed": False}
    before = {"image": image_ref, "digest": current["digest"] if current else None,
              "config_digest": current["config_digest"] if current else None}
    after = {"image": image_ref, "config_digest": info["image_id"]}
    if current and current["config_digest"] == info["image_id"]:
        result["digest"] = current["digest"]
        after["digest"] = current["digest"]
        result["diff"] = {"before": before, "after": after}
        result["msg"] = "%s already holds this archive's image (%s); nothing to do." % (image_ref, current["digest"])
        return result
    if current and not job.params.get("force"):
        raise ExrpImageError(
            "%s - the tag already exists with different content (registry config %s, archive image %s). Refusing "
            "to move a tag under running nodes: publish the archive under a new tag, or set force: true if "
            "replacing it is intended. Nothing was loaded or pushed."
            % (image_ref, current["config_digest"] or current["media_type"], info["image_id"]), warnings=warnings)
    after["digest"] = "(known after push)"
    result["diff"] = {"before": before, "after": after}
    result["changed"] = True
    if job.check_mode:
        result["msg"] = "%s would be %s from %s (image %s)." % (
            image_ref, "replaced" if current else "pushed", job.shown_src, info["image_id"])
        return result

    # 3. load, tag, push, confirm
    params = job.params
    dclient = docker_client(params["docker_host"], params.get("docker_timeout") or 600)
    try:
        docker_load(dclient, path, info["image_id"])
        result["loaded"] = True
        pushed = docker_push(dclient, info["image_id"], job.target_repo, job.tag, params.get("registry_username"),
                             params.get("registry_password"), image_ref)
    except ExrpImageError as exc:
        exc.extra.update(changed=result["loaded"], loaded=result["loaded"], warnings=warnings)
        raise
    finally:
        dclient.close()
    result["pushed"] = True
    after["digest"] = _confirm(job, client, info["image_id"], pushed, warnings)
    result["digest"] = after["digest"]
    result["msg"] = "%s %s (%s)." % (image_ref, "replaced" if current else "pushed", after["digest"])
    return result


def _confirm(job, client, image_id, pushed, warnings):
    """The digest the registry serves under the tag after the push; it must be the pushed image."""
    done = {"changed": True, "loaded": True, "pushed": True, "warnings": warnings}
    try:
        confirmed = client.manifest(job.repository, job.tag)
    except _registry.RegistryError as exc:
        raise ExrpImageError("%s - pushed, but reading it back failed: %s" % (job.image_ref, exc), **done)
    if not confirmed or confirmed["config_digest"] != image_id:
        raise ExrpImageError("%s - the push reported success but the registry does not hold this image under "
                             "the tag (it has %s). Run the task again."
                             % (job.image_ref, (confirmed or {}).get("config_digest")), **done)
    if pushed and pushed != confirmed["digest"]:
        raise ExrpImageError("%s - the engine pushed %s but the registry serves %s under the tag. Another push "
                             "may have raced this one; run the task again." % (job.image_ref, pushed,
                                                                               confirmed["digest"]), **done)
    return confirmed["digest"]
