#!/usr/bin/python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: exrp_image
short_description: Push the EXRP container archive to the site registry, once, idempotent by digest
version_added: 1.0.0
description:
  - Takes the EXRP archive C(exrp-<version>.tgz) (a C(docker save) archive, gzip-compressed or not) from a local
    path, an C(https://) URL or an C(ftp://) URL, verifies its O(checksum), and makes sure the registry holds its image
    under O(registry)/O(repository):O(tag).
  - Idempotent without loading anything. One streaming pass over the archive computes its sha256 and reads its
    C(manifest.json) and image config; the config digest (the image ID) is compared with the config digest of the
    manifest the registry serves for the tag (registry HTTP API v2). Same image, nothing is loaded or pushed.
  - The registry is asked (read-only) while the archive is read, so an unchanged rerun costs about the sha256 of the
    archive. The checksum is verified on every run, and a damaged or wrong archive is reported before any registry
    error.
  - A tag that already holds different content is refused unless O(force=true), so a tag never changes silently
    under running nodes.
  - Otherwise the archive is streamed to the Docker engine (C(docker load)), tagged and pushed with the registry
    credentials (passed to the engine per request, never written to disk), then the pushed digest is read back
    from the registry.
  - Memory stays bounded whatever the archive size (1 MiB chunks; only small metadata members are kept).
author:
  - engage_exec.recording maintainers (@engage_exec)
attributes:
  check_mode:
    support: full
    description: Verifies the checksum, reads the archive and asks the registry; loads and pushes nothing.
  diff_mode:
    support: full
    description: Before and after are the tag's manifest digest and config digest.
  idempotent:
    support: full
    description: A second run with the same archive reports no change and does not touch Docker.
options:
  src:
    description:
      - The archive. A path on the host that runs the task, an C(https://) URL or an C(ftp://) URL.
      - URLs are streamed to a temporary file in O(download_dir) and removed afterwards.
    type: str
    required: true
  checksum:
    description:
      - The published checksum of the archive, C(sha256:<hex>). Verified before anything is loaded.
      - Without it, a warning says that the archive was not verified.
    type: str
  url_username:
    description: User name for an C(https://) (Basic auth) or C(ftp://) O(src). Default for FTP is C(anonymous).
    type: str
  url_password:
    description: Password for O(url_username).
    type: str
  url_ca_path:
    description: CA bundle that signed the certificate of an C(https://) O(src). Default is the system trust store.
    type: path
  download_dir:
    description: Where a URL O(src) is downloaded (temporarily). Default is the module's temporary directory.
    type: path
  cache_dir:
    description:
      - Keep a URL O(src) in this existing directory, under its file name. When a copy whose sha256 matches
        O(checksum) is already there, it is used and nothing is downloaded.
      - A download into the cache counts as a change. In check mode nothing is written to the cache.
    type: path
  scan_cache_dir:
    description:
      - Directory (created, mode 0700) where what was read from an archive (image ID, layers, size) is remembered
        under the archive's sha256. A later run on the same content then only hashes the file (it must be read
        once anyway to verify O(checksum)) instead of also decompressing it.
      - Entries are keyed by content digest, so a changed file is always read again. Set to an empty string to
        read the whole archive every time. Nothing is written in check mode.
    type: path
    default: ~/.cache/engage_exec/exrp_image
  registry:
    description:
      - The registry, C(host:port), reached over HTTPS.
      - Falls back to the environment variable E(EXEC_REGISTRY).
    type: str
    required: true
  repository:
    description: Repository in the registry.
    type: str
    default: exec/exrp
  tag:
    description:
      - Tag to push. Default is the version in the archive's file name, C(exrp-<version>.tgz) gives C(<version>).
    type: str
  registry_username:
    description:
      - Registry user, for the registry API and for the engine's push.
      - Falls back to the environment variable E(EXEC_REGISTRY_USERNAME).
    type: str
  registry_password:
    description:
      - Password of O(registry_username).
      - Falls back to the environment variable E(EXEC_REGISTRY_PASSWORD).
    type: str
  ca_path:
    description:
      - CA bundle that signed the registry's certificate, used by this module's registry API calls.
      - The Docker engine trusts the registry through its own C(/etc/docker/certs.d/<registry>/ca.crt).
      - Falls back to the environment variable E(EXEC_REGISTRY_CA_PATH).
    type: path
  validate_certs:
    description: Verify TLS certificates (registry and https O(src)). Set to V(false) only for a throwaway lab.
    type: bool
    default: true
  force:
    description: Replace the image under an existing O(tag) that holds different content.
    type: bool
    default: false
  docker_host:
    description:
      - The Docker engine that loads and pushes. Falls back to the environment variable E(DOCKER_HOST).
    type: str
    default: unix:///var/run/docker.sock
  timeout:
    description: Seconds to wait for the registry API and for downloads.
    type: int
    default: 60
  docker_timeout:
    description: Seconds to wait for the Docker engine (load and push of a large image).
    type: int
    default: 600
requirements:
  - requests
  - docker (the Python SDK), only when something must be loaded and pushed
notes:
  - The archive must hold exactly one image.
  - The Docker engine treats every registry on 127.0.0.0/8 as insecure; this module's own registry calls still verify
    TLS with O(ca_path).
seealso:
  - module: community.docker.docker_image_load
  - module: community.docker.docker_image_push
  - name: Registry HTTP API v2
    description: How manifests and digests are served.
    link: https://distribution.github.io/distribution/spec/api/
"""

EXAMPLES = r"""
- name: Push the EXRP archive from a local path
  engage_exec.recording.exrp_image:
    src: /var/cache/exrp/exrp-100.0.100.12.tgz
    checksum: "sha256:9f1b0d6b0e0b8e3f2b6d5c9d1c1a7c4f7a5e3d2c1b0a9f8e7d6c5b4a39281706"
    registry: registry.example.com:5000
    registry_username: "{{ vault_registry_user }}"
    registry_password: "{{ vault_registry_password }}"
    ca_path: /etc/docker/certs.d/registry.example.com:5000/ca.crt
  register: exrp

- name: Straight from the vendor's FTP server, into a named repository and tag
  engage_exec.recording.exrp_image:
    src: ftp://ftp.vendor.example/exec/exrp-100.0.100.12.tgz
    url_username: "{{ vault_vendor_ftp_user }}"
    url_password: "{{ vault_vendor_ftp_password }}"
    checksum: "sha256:9f1b0d6b0e0b8e3f2b6d5c9d1c1a7c4f7a5e3d2c1b0a9f8e7d6c5b4a39281706"
    registry: registry.example.com:5000
    repository: genesys/exrp
    tag: 100.0.100.12

- name: Nodes pin the pushed digest
  ansible.builtin.debug:
    msg: "{{ exrp.image.split(':')[0:-1] | join(':') }}@{{ exrp.digest }}"
"""

RETURN = r"""
image:
  description: The image reference in the registry, C(registry/repository:tag).
  returned: always
  type: str
  sample: registry.example.com:5000/exec/exrp:100.0.100.12
digest:
  description:
    - The manifest digest the registry serves for the tag; what nodes pin.
    - V(null) in check mode when the image would be pushed.
  returned: always
  type: str
  sample: sha256:3c1e5a0e5f0a34bd1f1b0f7c2d9b7a61e4d0c8d54f8a6c0f4b9b2a1d7e6c5b4a
image_id:
  description: The image ID (config digest) read from the archive.
  returned: always
  type: str
  sample: sha256:77e2f0b8a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e
size:
  description: Size in bytes of the image's layers (uncompressed), from the archive.
  returned: always
  type: int
  sample: 253102080
archive_sha256:
  description: The sha256 of the archive file, C(sha256:<hex>).
  returned: always
  type: str
  sample: sha256:9f1b0d6b0e0b8e3f2b6d5c9d1c1a7c4f7a5e3d2c1b0a9f8e7d6c5b4a39281706
loaded:
  description: Whether the archive was loaded into the Docker engine.
  returned: always
  type: bool
  sample: false
pushed:
  description: Whether the image was pushed.
  returned: always
  type: bool
  sample: false
downloaded:
  description: Whether O(src) was downloaded in this run (false for a local path or a verified cached copy).
  returned: always
  type: bool
  sample: false
archive:
  description: The local archive that was used (the cached copy for a URL with O(cache_dir); null for a URL without).
  returned: always
  type: str
  sample: /var/cache/engage-exec/exrp/exrp-100.0.100.12.tgz
msg:
  description: What was done, in one sentence.
  returned: always
  type: str
  sample: registry.example.com:5000/exec/exrp:100.0.100.12 pushed (sha256:3c1e...).
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.engage_exec.recording.plugins.module_utils import _exrp_image, _registry
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError, module_result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type="str", required=True),
            checksum=dict(type="str"),
            url_username=dict(type="str"),
            url_password=dict(type="str", no_log=True),
            url_ca_path=dict(type="path"),
            download_dir=dict(type="path"),
            cache_dir=dict(type="path"),
            scan_cache_dir=dict(type="path", default="~/.cache/engage_exec/exrp_image"),
            registry=dict(type="str", required=True, fallback=(env_fallback, ["EXEC_REGISTRY"])),
            repository=dict(type="str", default="exec/exrp"),
            tag=dict(type="str"),
            registry_username=dict(type="str", fallback=(env_fallback, ["EXEC_REGISTRY_USERNAME"])),
            registry_password=dict(type="str", no_log=True, fallback=(env_fallback, ["EXEC_REGISTRY_PASSWORD"])),
            ca_path=dict(type="path", fallback=(env_fallback, ["EXEC_REGISTRY_CA_PATH"])),
            validate_certs=dict(type="bool", default=True),
            force=dict(type="bool", default=False),
            docker_host=dict(type="str", default="unix:///var/run/docker.sock",
                             fallback=(env_fallback, ["DOCKER_HOST"])),
            timeout=dict(type="int", default=60),
            docker_timeout=dict(type="int", default=600),
        ),
        required_together=[("registry_username", "registry_password")],
        required_by={"url_password": "url_username"},
        supports_check_mode=True,
    )
    if not _registry.HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=str(_registry.REQUESTS_IMPORT_ERROR))
    params = dict(module.params)
    params["download_dir"] = params["download_dir"] or module.tmpdir
    try:
        result = _exrp_image.run(params, module.check_mode)
    except ModuleError as exc:
        module.fail_json(**module_result(module, dict({"changed": False}, **exc.result())))
    module.exit_json(**module_result(module, result))


if __name__ == "__main__":
    main()
