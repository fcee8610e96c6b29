# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The config_files module on real directories, files and links: writes, idempotence, check and diff modes, the
validation command and the rollback when it fails, input refusals, backups."""

from __future__ import annotations

import grp
import os
import pwd
import stat

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils import _config_files
from ansible_collections.engage_exec.recording.plugins.modules import config_files
from ansible_collections.engage_exec.recording.tests.unit.plugins.modules.module_runner import run_main


def run_module(capsys, **args):
    return run_main(config_files.main, capsys, **args)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def snapshot(root):
    """Every entry under ``root``: a file's bytes, mode and mtime, a link's target."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(str(root)):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                state[full] = ("link", os.readlink(full))
            elif os.path.isfile(full):
                st = os.stat(full)
                with open(full, "rb") as handle:
                    state[full] = ("file", handle.read(), stat.S_IMODE(st.st_mode), st.st_mtime_ns)
    return state


@pytest.fixture
def site(tmp_path):
    """An Apache-like tree: one existing file (0640), the folders for a new file and a link."""
    for name in ("sites-available", "sites-enabled", "conf"):
        (tmp_path / name).mkdir()
    ports = tmp_path / "conf" / "ports.conf"
    ports.write_bytes(b"Listen 80\n")
    os.chmod(ports, 0o640)
    return tmp_path


def files_of(site, ports="Listen 8080\n", vhost="<VirtualHost *:8080>\n</VirtualHost>\n"):
    return [dict(path=str(site / "conf" / "ports.conf"), content=ports),
            dict(path=str(site / "sites-available" / "webdav.conf"), content=vhost, mode="0600")]


def link_of(site, src="../sites-available/webdav.conf"):
    return [dict(path=str(site / "sites-enabled" / "webdav.conf"), src=src)]


def test_new_and_replaced_files_then_nothing_to_do(capsys, site):
    args = dict(files=files_of(site) + [dict(path=str(site / "conf" / "plain.conf"), content="no newline")])
    res, dummy = run_module(capsys, **args)
    assert res["_rc"] == 0 and res["changed"] is True
    assert res["changed_files"] == [str(site / "conf" / "ports.conf"), str(site / "sites-available" / "webdav.conf"),
                                    str(site / "conf" / "plain.conf")]
    assert (site / "conf" / "ports.conf").read_bytes() == b"Listen 8080\n"
    assert mode_of(site / "conf" / "ports.conf") == 0o640  # an existing file keeps its mode
    assert (site / "sites-available" / "webdav.conf").read_text() == "<VirtualHost *:8080>\n</VirtualHost>\n"
    assert mode_of(site / "sites-available" / "webdav.conf") == 0o600
    assert (site / "conf" / "plain.conf").read_bytes() == b"no newline"  # exactly as given
    assert mode_of(site / "conf" / "plain.conf") == 0o644  # a new file without mode
    assert not [name for name in os.listdir(str(site / "conf")) if name.startswith(".")]  # no temporary file left

    before = snapshot(site)
    res, dummy = run_module(capsys, **args)
    assert res["changed"] is False and res["changed_files"] == [] and "validate" not in res
    assert snapshot(site) == before


def test_only_the_changed_file_is_written_and_reported(capsys, site):
    run_module(capsys, files=files_of(site))
    vhost = site / "sites-available" / "webdav.conf"
    mtime = os.stat(vhost).st_mtime_ns
    res, dummy = run_module(capsys, files=files_of(site, ports="Listen 9090\n"))
    assert res["changed"] and res["changed_files"] == [str(site / "conf" / "ports.conf")]
    assert (site / "conf" / "ports.conf").read_bytes() == b"Listen 9090\n"
    assert os.stat(vhost).st_mtime_ns == mtime


def test_mode_only_change(capsys, site):
    ports = site / "conf" / "ports.conf"
    args = dict(files=[dict(path=str(ports), content="Listen 80\n", mode="0644")])
    res, dummy = run_module(capsys, _ansible_check_mode=True, _ansible_diff=True, **args)
    assert res["changed"] and mode_of(ports) == 0o640
    assert res["diff"] == [dict(before_header=str(ports) + " (mode)", after_header=str(ports) + " (mode)",
                                before="mode: 0640\n", after="mode: 0644\n")]
    res, dummy = run_module(capsys, **args)
    assert res["changed"] and res["changed_files"] == [str(ports)] and mode_of(ports) == 0o644
    assert ports.read_bytes() == b"Listen 80\n"
    res, dummy = run_module(capsys, **args)
    assert not res["changed"]


def test_owner_and_group_of_the_current_user(capsys, site):
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    ports = site / "conf" / "ports.conf"
    res, dummy = run_module(capsys, files=[dict(path=str(ports), content="Listen 80\n", owner=user, group=group)])
    assert res["_rc"] == 0 and not res["changed"]
    res, dummy = run_module(capsys, files=[dict(path=str(ports), content="x\n", owner=str(os.getuid()))])
    assert res["changed"] and os.stat(ports).st_uid == os.getuid()


def test_check_mode_writes_nothing_and_reports_with_diff(capsys, site):
    before = snapshot(site)
    res, dummy = run_module(capsys, _ansible_check_mode=True, _ansible_diff=True, files=files_of(site),
                            links=link_of(site), validate=["false"])
    assert res["_rc"] == 0 and res["changed"] is True and "validate" not in res
    assert res["changed_files"] == [str(site / "conf" / "ports.conf"), str(site / "sites-available" / "webdav.conf"),
                                    str(site / "sites-enabled" / "webdav.conf")]
    assert snapshot(site) == before
    ports = str(site / "conf" / "ports.conf")
    link = str(site / "sites-enabled" / "webdav.conf")
    assert res["diff"] == [
        dict(before_header=ports, after_header=ports, before="Listen 80\n", after="Listen 8080\n"),
        dict(before_header=str(site / "sites-available" / "webdav.conf"),
             after_header=str(site / "sites-available" / "webdav.conf"),
             before="", after="<VirtualHost *:8080>\n</VirtualHost>\n"),
        dict(before_header=link, after_header=link, before="", after="link -> ../sites-available/webdav.conf\n"),
    ]


def test_check_mode_accepts_a_folder_an_earlier_task_would_create(capsys, tmp_path):
    target = tmp_path / "new" / "app.conf"
    res, dummy = run_module(capsys, _ansible_check_mode=True, files=[dict(path=str(target), content="a\n")])
    assert res["_rc"] == 0 and res["changed"] and res["changed_files"] == [str(target)]
    assert not target.parent.exists()


def test_link_created_replaced_and_kept(capsys, site):
    link = site / "sites-enabled" / "webdav.conf"
    res, dummy = run_module(capsys, links=link_of(site))
    assert res["changed"] and os.readlink(str(link)) == "../sites-available/webdav.conf"

    res, dummy = run_module(capsys, links=link_of(site))
    assert not res["changed"] and res["changed_files"] == []

    res, dummy = run_module(capsys, _ansible_diff=True, links=link_of(site, "/srv/other.conf"))
    assert res["changed"] and res["changed_files"] == [str(link)]
    assert os.readlink(str(link)) == "/srv/other.conf"
    assert res["diff"] == [dict(before_header=str(link), after_header=str(link),
                                before="link -> ../sites-available/webdav.conf\n", after="link -> /srv/other.conf\n")]
    assert sorted(os.listdir(str(site / "sites-enabled"))) == ["webdav.conf"]  # no temporary link left


def test_failed_validation_puts_everything_back(capsys, site):
    # The state before: ports.conf 0640 "Listen 80", a link to an old site, no webdav.conf.
    link = site / "sites-enabled" / "webdav.conf"
    link.symlink_to("../sites-available/old.conf")
    before = snapshot(site)
    ports = site / "conf" / "ports.conf"
    files = files_of(site)
    files[0]["mode"] = "0644"
    check = ["sh", "-c", "grep -q good %s || { echo 'syntax error in ports.conf' >&2; exit 3; }" % ports]
    res, dummy = run_module(capsys, files=files, links=link_of(site), validate=check)
    assert res["failed"] and res["_rc"] == 1
    assert res["rc"] == 3 and "syntax error in ports.conf" in res["stderr"]
    assert "syntax error in ports.conf" in res["msg"] and "rc=3" in res["msg"] and "grep -q good" in res["msg"]
    assert "back in place" in res["msg"]
    assert res["rolled_back"] == [str(ports), str(site / "sites-available" / "webdav.conf"), str(link)]
    assert ports.read_bytes() == b"Listen 80\n" and mode_of(ports) == 0o640
    assert not (site / "sites-available" / "webdav.conf").exists()
    assert os.readlink(str(link)) == "../sites-available/old.conf"
    after = snapshot(site)
    assert set(after) == set(before)
    assert all(after[path][:3] == before[path][:3] for path in before)  # bytes, modes, targets (not mtimes)

    # The same set with a content the command accepts goes through.
    files[0]["content"] = "Listen 8080 # good\n"
    res, dummy = run_module(capsys, files=files, links=link_of(site), validate=check)
    assert res["_rc"] == 0 and res["changed"] and res["validate"]["rc"] == 0
    assert ports.read_bytes() == b"Listen 8080 # good\n" and mode_of(ports) == 0o644


def test_failed_validation_of_a_new_link_removes_it(capsys, site):
    link = site / "sites-enabled" / "webdav.conf"
    res, dummy = run_module(capsys, links=link_of(site), validate=["false"])
    assert res["failed"] and res["rolled_back"] == [str(link)] and res["rc"] == 1
    assert not os.path.lexists(str(link))


def test_validate_when_changed_skips_the_command_when_nothing_changed(capsys, site):
    run_module(capsys, files=files_of(site))
    res, dummy = run_module(capsys, files=files_of(site), validate=["false"], validate_when="changed")
    assert res["_rc"] == 0 and not res["changed"] and "validate" not in res


def test_validate_always_runs_when_nothing_changed(capsys, site):
    run_module(capsys, files=files_of(site))
    marker = site / "ran"
    res, dummy = run_module(capsys, files=files_of(site), validate=["sh", "-c", "echo checked; touch %s" % marker])
    assert res["_rc"] == 0 and not res["changed"]
    assert res["validate"] == dict(rc=0, stdout="checked\n", stderr="")
    assert marker.exists()

    before = snapshot(site)
    res, dummy = run_module(capsys, files=files_of(site), validate=["false"])
    assert res["failed"] and res["rolled_back"] == [] and "Nothing was changed." in res["msg"]
    assert snapshot(site) == before


def test_input_problems_all_at_once_nothing_written(capsys, site):
    (site / "sites-enabled" / "webdav.conf").write_text("a file, not a link\n")
    before = snapshot(site)
    ports = str(site / "conf" / "ports.conf")
    res, dummy = run_module(capsys, files=[dict(path=ports, content="a\n"),
                                           dict(path=ports, content="b\n"),
                                           dict(path=str(site / "missing" / "x.conf"), content="c\n"),
                                           dict(path=str(site / "conf" / "y.conf"), content="d\n", mode="u=rw"),
                                           dict(path=str(site / "conf" / "z.conf"), content="e\n",
                                                owner="no-such-user-xyz")],
                            links=link_of(site), validate=["no-such-program-xyz"])
    assert res["failed"]
    msg = res["msg"]
    assert msg.startswith("config_files: the files were not written") and msg.endswith("Nothing was changed.")
    assert "6 problems" in msg
    assert "%s: given more than once" % ports in msg
    assert "directory %s does not exist" % (site / "missing") in msg
    assert "is a regular file, not a symbolic link" in msg
    assert "mode 'u=rw' is not an octal mode" in msg
    assert "owner 'no-such-user-xyz' does not exist" in msg
    assert "program 'no-such-program-xyz' not found" in msg
    assert snapshot(site) == before


def test_directory_at_a_link_or_file_path_is_refused(capsys, site):
    (site / "sites-enabled" / "webdav.conf").mkdir()
    res, dummy = run_module(capsys, files=[dict(path=str(site / "conf"), content="x")], links=link_of(site))
    assert res["failed"] and "2 problems" in res["msg"]
    assert "%s: is a directory" % (site / "conf") in res["msg"]
    assert "is a directory, not a symbolic link" in res["msg"]


def test_backup_keeps_the_old_bytes(capsys, site):
    res, dummy = run_module(capsys, files=files_of(site), backup=True)
    ports = str(site / "conf" / "ports.conf")
    assert res["changed"] and list(res["backup_files"]) == [ports]  # not the new file
    with open(res["backup_files"][ports], "rb") as handle:
        assert handle.read() == b"Listen 80\n"
    res, dummy = run_module(capsys, files=files_of(site), backup=True)
    assert not res["changed"] and res["backup_files"] == {}


def test_backup_removed_when_rolled_back(capsys, site):
    res, dummy = run_module(capsys, files=files_of(site), backup=True, validate=["false"])
    assert res["failed"]
    assert sorted(os.listdir(str(site / "conf"))) == ["ports.conf"]


def test_file_path_through_a_symlink_writes_its_target(capsys, site):
    alias = site / "conf" / "alias.conf"
    alias.symlink_to("ports.conf")
    res, dummy = run_module(capsys, files=[dict(path=str(alias), content="Listen 81\n")])
    assert res["changed"] and alias.is_symlink()
    assert (site / "conf" / "ports.conf").read_bytes() == b"Listen 81\n"


def test_write_failure_midway_rolls_back(capsys, site, monkeypatch):
    ports = site / "conf" / "ports.conf"
    real_replace_link = _config_files.replace_link
    calls = []

    def broken_once(path, target):
        calls.append(path)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real_replace_link(path, target)

    monkeypatch.setattr(_config_files, "replace_link", broken_once)
    res, dummy = run_module(capsys, files=files_of(site), links=link_of(site))
    assert res["failed"] and "could not write" in res["msg"] and "No space left on device" in res["msg"]
    assert res["rc"] is None
    assert ports.read_bytes() == b"Listen 80\n" and mode_of(ports) == 0o640
    assert not (site / "sites-available" / "webdav.conf").exists()
    assert not os.path.lexists(str(site / "sites-enabled" / "webdav.conf"))


def test_directories_files_or_links_required(capsys):
    res, dummy = run_module(capsys)
    assert res["failed"] and "one of the following is required: directories, files, links" in res["msg"]


@pytest.mark.parametrize("mode,expected", [("0644", 0o644), ("755", 0o755), (0o600, 0o600), ("04755", 0o4755)])
def test_parse_mode(mode, expected):
    assert _config_files.parse_mode(mode) == expected


@pytest.mark.parametrize("mode", ["0999", "u=rw", "", "123456", True, 0o10000])
def test_parse_mode_refuses(mode):
    with pytest.raises(ValueError):
        _config_files.parse_mode(mode)


def test_failed_backup_changes_nothing(capsys, site, monkeypatch):
    before = snapshot(site)

    def no_backup(self, path):
        raise Exception("Could not make backup of %r" % path)

    monkeypatch.setattr(config_files.AnsibleModule, "backup_local", no_backup)
    res, dummy = run_module(capsys, files=files_of(site), backup=True)
    assert res["failed"] and "could not back up" in res["msg"] and "Nothing was changed." in res["msg"]
    assert snapshot(site) == before


# --- directories ------------------------------------------------------------------------------------------------


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def dirs_of(site):
    """Everything under ``site`` that is a directory: its mode, uid and gid."""
    state = {}
    for dirpath, dirnames, dummy in os.walk(str(site)):
        for name in dirnames:
            st = os.lstat(os.path.join(dirpath, name))
            state[os.path.join(dirpath, name)] = (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    return state


def test_new_directory_with_parents_then_nothing_to_do(capsys, site, umask_022):
    leaf = site / "srv" / "exec" / "recordings"
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    args = dict(directories=[dict(path=str(leaf), owner=user, group=group, mode="0750")])
    res, dummy = run_module(capsys, **args)
    assert res["_rc"] == 0 and res["changed"] is True and res["changed_files"] == [str(leaf)]
    assert leaf.is_dir() and mode_of(leaf) == 0o750
    assert os.stat(str(leaf)).st_uid == os.getuid() and os.stat(str(leaf)).st_gid == os.getgid()
    assert mode_of(site / "srv") == 0o755 and mode_of(site / "srv" / "exec") == 0o755  # parents: the umask's mode

    before = dirs_of(site)
    res, dummy = run_module(capsys, **args)
    assert res["_rc"] == 0 and res["changed"] is False and res["changed_files"] == []
    assert dirs_of(site) == before


def test_existing_directory_gets_its_mode_corrected(capsys, site):
    conf = site / "conf"
    os.chmod(str(conf), 0o755)
    args = dict(directories=[dict(path=str(conf), mode="0750")])
    res, dummy = run_module(capsys, _ansible_diff=True, **args)
    assert res["changed"] and res["changed_files"] == [str(conf)] and mode_of(conf) == 0o750
    assert res["diff"] == [dict(before_header=str(conf) + " (mode)", after_header=str(conf) + " (mode)",
                                before="mode: 0755\n", after="mode: 0750\n")]
    assert (conf / "ports.conf").read_bytes() == b"Listen 80\n"  # the content is not touched
    res, dummy = run_module(capsys, **args)
    assert not res["changed"]
    # Without attributes, an existing directory is left as it is.
    res, dummy = run_module(capsys, directories=[dict(path=str(conf))])
    assert not res["changed"] and mode_of(conf) == 0o750


def test_symlink_to_a_directory_is_followed(capsys, site):
    alias = site / "conf-alias"
    alias.symlink_to("conf")
    os.chmod(str(site / "conf"), 0o755)
    res, dummy = run_module(capsys, directories=[dict(path=str(alias), mode="0700")],
                            files=[dict(path=str(alias / "new.conf"), content="x\n")])
    assert res["_rc"] == 0 and res["changed_files"] == [str(alias), str(alias / "new.conf")]
    assert alias.is_symlink() and mode_of(site / "conf") == 0o700
    assert (site / "conf" / "new.conf").read_bytes() == b"x\n"


def test_check_mode_creates_no_directory_and_accepts_files_in_it(capsys, site, umask_022):
    leaf = site / "new" / "lock"
    target = leaf / "site.conf"
    link = leaf / "enabled.conf"
    before, before_dirs = snapshot(site), dirs_of(site)
    os.chmod(str(site / "conf"), 0o755)
    res, dummy = run_module(capsys, _ansible_check_mode=True, _ansible_diff=True,
                            directories=[dict(path=str(leaf), mode="0750", owner=str(os.getuid())),
                                         dict(path=str(site / "conf"), mode="0700")],
                            files=[dict(path=str(target), content="a\n")],
                            links=[dict(path=str(link), src="site.conf")], validate=["false"])
    assert res["_rc"] == 0 and res["changed"] is True and "validate" not in res
    assert res["changed_files"] == [str(leaf), str(site / "conf"), str(target), str(link)]
    assert not (site / "new").exists() and mode_of(site / "conf") == 0o755
    assert snapshot(site) == before and dirs_of(site) == before_dirs
    user = pwd.getpwuid(os.getuid()).pw_name
    assert res["diff"][:2] == [
        dict(before_header=str(leaf), after_header=str(leaf), before="absent\n",
             after="directory\nmode: 0750\nowner: %s\nparents created: %s\n" % (user, site / "new")),
        dict(before_header=str(site / "conf") + " (mode)", after_header=str(site / "conf") + " (mode)",
             before="mode: 0755\n", after="mode: 0700\n"),
    ]
    assert [entry["before_header"] for entry in res["diff"][2:]] == [str(target), str(link)]


def test_new_directory_without_mode_shows_the_umask_mode_in_the_diff(capsys, tmp_path, umask_022):
    leaf = tmp_path / "plain"
    res, dummy = run_module(capsys, _ansible_diff=True, directories=[dict(path=str(leaf))])
    assert res["changed"] and mode_of(leaf) == 0o755
    assert res["diff"] == [dict(before_header=str(leaf), after_header=str(leaf), before="absent\n",
                                after="directory\nmode: 0755\n")]


def test_file_and_link_into_a_directory_created_by_the_same_call(capsys, site):
    leaf = site / "webdav" / "sites"
    target = leaf / "site.conf"
    link = site / "webdav" / "enabled.conf"  # in a parent that the same call creates
    res, dummy = run_module(capsys, directories=[dict(path=str(leaf), mode="0750")],
                            files=[dict(path=str(target), content="a\n", mode="0640")],
                            links=[dict(path=str(link), src="sites/site.conf")], validate=["test", "-f", str(link)])
    assert res["_rc"] == 0 and res["changed_files"] == [str(leaf), str(target), str(link)]
    assert res["validate"]["rc"] == 0
    assert target.read_bytes() == b"a\n" and mode_of(target) == 0o640 and mode_of(leaf) == 0o750
    assert os.readlink(str(link)) == "sites/site.conf"
    res, dummy = run_module(capsys, directories=[dict(path=str(leaf), mode="0750")],
                            files=[dict(path=str(target), content="a\n", mode="0640")],
                            links=[dict(path=str(link), src="sites/site.conf")])
    assert not res["changed"]


def test_directory_input_problems_all_at_once(capsys, site):
    ports = site / "conf" / "ports.conf"
    (site / "dangling").symlink_to("nowhere")
    (site / "to-file").symlink_to("conf/ports.conf")
    before, before_dirs = snapshot(site), dirs_of(site)
    res, dummy = run_module(capsys, directories=[dict(path=str(ports), mode="0750"),
                                                 dict(path=str(ports / "below")),
                                                 dict(path=str(site / "to-file")),
                                                 dict(path=str(site / "dangling")),
                                                 dict(path="relative/dir"),
                                                 dict(path=str(site / "new"), mode="rwx", group="no-such-group-xyz"),
                                                 dict(path=str(site / "conf")),
                                                 dict(path=str(site / "conf") + "/")],
                            files=[dict(path=str(site / "new" / "x.conf"), content="x\n"),
                                   dict(path=str(site / "made" / "sub"), content="x\n")])
    assert res["failed"]
    msg = res["msg"]
    assert msg.startswith("config_files: the files were not written") and msg.endswith("Nothing was changed.")
    assert "%s: is a regular file, not a directory" % ports in msg
    assert "%s: %s is a regular file, not a directory" % (ports / "below", ports) in msg
    assert "%s: is a symbolic link to %s, a regular file, not a directory" % (site / "to-file", ports) in msg
    assert "%s: is a symbolic link to %s, which does not exist" % (site / "dangling", site / "nowhere") in msg
    assert "directories[4]: path 'relative/dir' is not an absolute path" in msg
    assert "mode 'rwx' is not an octal mode" in msg and "group 'no-such-group-xyz' does not exist" in msg
    assert "%s: given more than once (also as %s)" % (site / "conf", site / "conf") in msg
    # a file into a directory of the call is accepted (that directory's own problems are listed), one into a
    # missing directory that the call does not create is not
    assert "directory %s does not exist" % (site / "new") not in msg
    assert "%s: directory %s does not exist; add it to directories" % (site / "made" / "sub", site / "made") in msg
    assert "9 problems" in msg
    assert snapshot(site) == before and dirs_of(site) == before_dirs


def test_file_at_a_directory_path_of_the_same_call_is_refused(capsys, site):
    res, dummy = run_module(capsys, directories=[dict(path=str(site / "a" / "b" / "c"))],
                            files=[dict(path=str(site / "a" / "b" / "c"), content="x"),
                                   dict(path=str(site / "a" / "b"), content="y")])
    assert res["failed"] and "2 problems" in res["msg"]
    assert "%s: given more than once" % (site / "a" / "b" / "c") in res["msg"]
    assert "%s: is a parent directory that %s creates" % (site / "a" / "b", site / "a" / "b" / "c") in res["msg"]
    assert not (site / "a").exists()


def test_failed_validation_removes_created_directories_and_restores_modes(capsys, site):
    conf = site / "conf"
    os.chmod(str(conf), 0o755)
    before, before_dirs = snapshot(site), dirs_of(site)
    leaf = site / "srv" / "exec" / "recordings"
    res, dummy = run_module(capsys, directories=[dict(path=str(leaf), mode="0750"), dict(path=str(conf), mode="0700"),
                                                 dict(path=str(site / "srv" / "exec" / "lock"))],
                            files=[dict(path=str(leaf / "README"), content="x\n")], validate=["false"])
    assert res["failed"] and res["rc"] == 1 and "back in place" in res["msg"]
    assert res["rolled_back"] == [str(leaf), str(conf), str(site / "srv" / "exec" / "lock"), str(leaf / "README")]
    assert not (site / "srv").exists()  # the created parents too
    assert mode_of(conf) == 0o755
    assert snapshot(site) == before and dirs_of(site) == before_dirs


def test_created_directory_with_a_foreign_file_is_left_and_reported(capsys, site):
    leaf = site / "data" / "spool"
    conf = site / "conf"
    os.chmod(str(conf), 0o755)
    res, dummy = run_module(capsys, directories=[dict(path=str(leaf)), dict(path=str(conf), mode="0700")],
                            validate=["sh", "-c", "touch %s/x; exit 1" % leaf])
    assert res["failed"] and res["rc"] == 1
    assert res["rolled_back"] == [str(conf)] and mode_of(conf) == 0o755
    assert (leaf / "x").exists()  # left in place, with its parent
    msg = res["msg"]
    assert "Could NOT be put back: %s: created by this call but left in place, it is not empty" % leaf in msg
    assert "(something else put x into it); so are the parents created with it (%s)" % (site / "data") in msg


def test_write_failure_after_directories_removes_them(capsys, site, monkeypatch):
    def broken(path, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_config_files, "replace_link", broken)
    leaf = site / "new" / "enabled"
    res, dummy = run_module(capsys, directories=[dict(path=str(leaf))],
                            links=[dict(path=str(leaf / "site.conf"), src="../site.conf")])
    assert res["failed"] and "could not write" in res["msg"]
    assert res["rolled_back"] == [str(leaf), str(leaf / "site.conf")]
    assert not (site / "new").exists()


def test_backup_ignores_directories(capsys, site):
    res, dummy = run_module(capsys, directories=[dict(path=str(site / "conf"), mode="0700")], backup=True)
    assert res["changed"] and res["backup_files"] == {}
    assert sorted(os.listdir(str(site))) == ["conf", "sites-available", "sites-enabled"]


def test_new_directory_is_private_until_its_mode_is_set(capsys, tmp_path, monkeypatch):
    made = []
    real_mkdir = os.mkdir

    def recording_mkdir(path, mode=0o777):
        made.append((path, mode))
        return real_mkdir(path, mode)

    monkeypatch.setattr(_config_files.os, "mkdir", recording_mkdir)
    leaf = tmp_path / "a" / "b"
    res, dummy = run_module(capsys, directories=[dict(path=str(leaf), mode="0755")])
    assert res["changed"] and mode_of(leaf) == 0o755
    assert made == [(str(tmp_path / "a"), 0o777), (str(leaf), 0o700)]


# --- what a user who is not root may give -----------------------------------------------------------------------


def planned_file(path, uid=None, gid=None, mode=None, old=None):
    item = _config_files.FileItem(path, path, b"x", mode, uid, gid)
    item.old = old
    item.attributes = _config_files._differences(old, item) if old is not None else {}
    return item


def test_attribute_problems_of_a_user_who_is_not_root():
    old = _config_files.Old(data=b"", mode=0o644, uid=1000, gid=1000)
    mine = dict(euid=1000, groups={1000, 27})
    # the owner gives a mode and a group he is in, to his file and to a new one: nothing to refuse
    assert _config_files.attribute_problem(planned_file("/a", gid=27, mode=0o640, old=old), **mine) is None
    assert _config_files.attribute_problem(planned_file("/n", uid=1000, gid=27, mode=0o600), **mine) is None
    # another owner, a group he is not in, the mode of a file of someone else: refused, each named
    msg = _config_files.attribute_problem(planned_file("/a", uid=0, gid=4, old=old), **mine)
    assert msg.startswith("/a: cannot be given owner root and group ") and msg.endswith("; run with become")
    other = dict(euid=1001, groups={1001})
    msg = _config_files.attribute_problem(planned_file("/a", mode=0o600, old=old), **other)
    assert msg is not None and "mode 0600" in msg
    # root may give anything
    assert _config_files.attribute_problem(planned_file("/a", uid=1, gid=4, mode=0o600, old=old), euid=0) is None
