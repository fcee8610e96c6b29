# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.filter.diagnostics import FilterModule, exec_bundle_files
from ansible_collections.engage_exec.recording.plugins.module_utils._masking import (
    MASK, exec_mask_env, exec_mask_text, exec_secret_values, is_secret_name)


class Failing(dict):
    """A mapping like hostvars, where one variable fails to template."""

    def __getitem__(self, key):
        if key == "broken":
            raise ValueError("'undefined_thing' is undefined")
        return dict.__getitem__(self, key)


def test_secret_names_by_word():
    for name in ("exec_redis_password", "WEBDAV_PASSWORD", "GC_CLIENT_SECRET", "api_key", "ansible_become_pass",
                 "REGISTRY_TOKEN", "clientSecret", "tls.key"):
        assert is_secret_name(name), name
    for name in ("EXCP_EXRP_PASSES", "exrp_node_env_keys", "GC_CLIENT_ID", "exec_webdav_mcp_username", "keystone",
                 "WEBDAV_URL", "passage"):
        assert not is_secret_name(name), name


def test_secret_values_from_variables_nested_and_env_texts():
    variables = Failing({
        "exec_redis_password": "r3dis-pw",
        "webdav_users": [{"name": "mcp", "password": "mcp-pw-1"}, {"name": "exrp", "password": "exrp-pw-22"}],
        "hybrid_transaction_annex": {"gc": {"client_secret": "gc-s3cret", "client_id": "public-id"}},
        "exec_webdav_mcp_username": "mcp",
        "ansible_host": "10.0.0.1",
        "ansible_password": "ssh-pw",
        "exrp_node_registry_password": "",
        "broken": "{{ undefined_thing }}",
        "hostvars": {"other": {"password": "not-walked"}},
    })
    env = "# comment\nWEBDAV_URL=http://w\nexport CONFIGDB_PASSWORD='db pw'\nREDIS_PASSWORD=\nGC_CLIENT_ID=abc\n"
    values = exec_secret_values(variables, [env])
    assert sorted(values) == sorted(["r3dis-pw", "mcp-pw-1", "exrp-pw-22", "gc-s3cret", "ssh-pw", "db pw"])
    assert values[0] == "exrp-pw-22"  # longest first: a secret inside another one is masked after it


def test_mask_env_masks_secret_keys_and_known_values_elsewhere():
    env = ("EXRP_URLS=http://a:3660\nWEBDAV_PASSWORD=w-pass-1\nexport GC_CLIENT_SECRET=\"quoted s3cret\"\n"
           "REDIS_PASSWORD=\nWEBDAV_URL=http://exrp:other-known@webdav/recordings\nA_KEY = short\n")
    masked = exec_mask_env(env, ["other-known"])
    assert masked.splitlines() == [
        "EXRP_URLS=http://a:3660", "WEBDAV_PASSWORD=" + MASK, "export GC_CLIENT_SECRET=" + MASK,
        "REDIS_PASSWORD=", "WEBDAV_URL=http://exrp:%s@webdav/recordings" % MASK, "A_KEY = " + MASK]
    assert masked.endswith("\n")
    for secret in ("w-pass-1", "quoted s3cret", "other-known", "short"):
        assert secret not in masked


def test_mask_text_longest_first_url_encoded_and_short_values_left():
    text = "login with p@ss/word! and p%40ss%2Fword%21 then p@ss; id ab"
    masked = exec_mask_text(text, ["p@ss/word!", "p@ss", "ab"])
    assert masked == "login with %s and %s then %s; id ab" % (MASK, MASK, MASK)
    assert exec_mask_text(None, ["x"]) == ""
    assert exec_mask_text("nothing secret", []) == "nothing secret"


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"exec_secret_values", "exec_mask_text", "exec_mask_env",
                                             "exec_bundle_files"}


def test_bundle_files_as_config_files_options():
    written = exec_bundle_files({"commands/kernel.txt": "Linux", "env/a.env": "K=v", "top.txt": "x"}, "/tmp/b/h/")
    assert written["directories"] == [{"path": "/tmp/b/h", "mode": "0700"}, {"path": "/tmp/b/h/commands",
                                      "mode": "0700"}, {"path": "/tmp/b/h/env", "mode": "0700"}]
    assert written["files"][0] == {"path": "/tmp/b/h/commands/kernel.txt", "content": "Linux", "mode": "0600"}
    assert [f["path"] for f in written["files"]][1:] == ["/tmp/b/h/env/a.env", "/tmp/b/h/top.txt"]
