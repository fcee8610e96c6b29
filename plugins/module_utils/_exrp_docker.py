# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""exrp_image's calls to the Docker engine (Docker SDK for Python): load the archive, tag and push it."""

from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_archive import CHUNK
from ansible_collections.engage_exec.recording.plugins.module_utils._exrp_ref import ExrpImageError


def _docker():
    """The docker SDK, imported only when something must be loaded and pushed (it is slow to import)."""
    try:
        import docker  # pylint: disable=import-outside-toplevel
        return docker
    except ImportError:
        raise ExrpImageError("the docker Python SDK is needed to load and push the image and is missing on this "
                             "host: install it (pip install docker, or the python3-docker package).")


def _file_chunks(path):
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                return
            yield chunk


def docker_client(docker_host, timeout):
    docker = _docker()
    try:
        client = docker.APIClient(base_url=docker_host, version="auto", timeout=timeout)
        client.ping()
        return client
    except docker.errors.DockerException as exc:
        raise ExrpImageError("cannot talk to the Docker engine at %s (%s). Run the task on a host with Docker "
                             "(the role's exrp_image_delegate_to) or set docker_host." % (docker_host, exc))


def docker_load(client, path, image_id):
    """Stream the archive to ``docker load``; checks that the loaded image is the one the archive holds."""
    try:
        for event in client.load_image(_file_chunks(path)):
            if isinstance(event, dict) and event.get("error"):
                raise ExrpImageError("docker load of %s failed: %s" % (path, event["error"]))
        client.inspect_image(image_id)
    except _docker().errors.APIError as exc:
        raise ExrpImageError("docker load of %s failed: %s" % (path, exc.explanation or exc))


def docker_push(client, image_id, target_repo, tag, username, password, image_ref):
    """Tag and push; returns the digest the engine reports."""
    auth = {"username": username, "password": password} if username else None
    try:
        client.tag(image_id, target_repo, tag=tag, force=True)
        digest = None
        last_error = None
        for event in client.push(target_repo, tag=tag, auth_config=auth, stream=True, decode=True):
            if event.get("error"):
                last_error = (event.get("errorDetail") or {}).get("message") or event["error"]
            aux = event.get("aux") or {}
            if aux.get("Digest"):
                digest = aux["Digest"]
    except _docker().errors.APIError as exc:
        raise ExrpImageError("%s - push failed: %s" % (image_ref, exc.explanation or exc))
    if last_error:
        hint = ""
        if "unauthorized" in last_error.lower() or "authentication required" in last_error.lower():
            hint = " Check registry_username/registry_password."
        raise ExrpImageError("%s - push failed: %s.%s" % (image_ref, last_error, hint))
    return digest
