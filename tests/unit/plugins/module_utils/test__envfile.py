# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parser, renderer and planner of the env_file backend: what is kept, what moves, what is refused."""

from __future__ import annotations

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils._envfile import (
    EnvFileError,
    MASK,
    check_attributes,
    decode,
    encode,
    masked,
    parse,
    plan,
    render,
    render_value,
    secret_matcher,
    validate,
)

SAMPLE = (
    "# EXEC No-Media settings\n"
    "\n"
    "ORG_ID=42\n"
    "   # indented comment\n"
    "REDIS_PASSWORD=s3cr3t=with=equals\n"
    "UNKNOWN_VENDOR_KEY= spaced value  \n"
    "QUOTED=\"a b\"\n"
    "export EXPORTED=1\n"
    "BARE_FROM_ENV\n"
    "TENANT_ID=tenant-1\n"
)

ROUND_TRIP = [
    "",
    "\n",
    SAMPLE,
    SAMPLE.replace("\n", "\r\n"),
    "A=1\nB=2",
    "A=1\r\nB=2\r",
    "\ufeffA=1\n",
    "mixed=1\r\nendings=2\nlast",
    "weird line without equals or key\n=novalue\nkey with space=1\n",
    decode(b"LATIN1=caf\xe9\nA=1\n"),
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_parse_render_is_byte_exact(text):
    assert render(parse(text)) == text


def test_non_utf8_bytes_survive_decode_encode():
    raw = b"LATIN1=caf\xe9\nA=1\n"
    result = plan(decode(raw), {"A": "2"})
    assert encode(result.after) == b"LATIN1=caf\xe9\nA=2\n"
    # The diff text is plain UTF-8 (no lone surrogates for the controller to choke on).
    shown = masked(result.lines_after, secret_matcher([], ""))
    assert shown == "LATIN1=caf\ufffd\nA=2\n"
    shown.encode("utf-8")


def test_classification_follows_docker():
    lines = {line.body: line for line in parse(SAMPLE)}
    assert lines["# EXEC No-Media settings"].kind == "other"
    assert lines[""].kind == "other"
    assert lines["   # indented comment"].kind == "other"
    pw = lines["REDIS_PASSWORD=s3cr3t=with=equals"]
    assert (pw.kind, pw.key, pw.value) == ("assign", "REDIS_PASSWORD", "s3cr3t=with=equals")
    # No trimming and no quote removal of the value: docker passes it verbatim.
    assert lines["UNKNOWN_VENDOR_KEY= spaced value  "].value == " spaced value  "
    assert lines['QUOTED="a b"'].value == '"a b"'
    exported = lines["export EXPORTED=1"]
    assert (exported.key, exported.prefix, exported.value) == ("EXPORTED", "export ", "1")
    assert (lines["BARE_FROM_ENV"].kind, lines["BARE_FROM_ENV"].key) == ("bare", "BARE_FROM_ENV")


@pytest.mark.parametrize("body", ["key with space=1", "=novalue", "  =x", "export =x"])
def test_lines_docker_refuses_are_invalid(body):
    assert parse(body + "\n")[0].kind == "invalid"


def test_export_alone_is_a_key_named_export():
    line = parse("export=1\n")[0]
    assert (line.key, line.prefix) == ("export", "")


def test_bom_kept_on_first_line():
    p = plan("\ufeffA=1\nB=2\n", {"A": "3"})
    assert p.after == "\ufeffA=3\nB=2\n"


def test_update_in_place_keeps_order_comments_and_unknown_keys():
    p = plan(SAMPLE, {"ORG_ID": "43", "TENANT_ID": "tenant-1"})
    assert p.after == SAMPLE.replace("ORG_ID=42", "ORG_ID=43")
    assert (p.updated, p.added, p.removed, p.duplicates) == (["ORG_ID"], [], [], [])
    assert p.changed_keys == ["ORG_ID"]


def test_unchanged_values_give_identical_text():
    p = plan(SAMPLE, {"ORG_ID": "42", "QUOTED": '"a b"', "EXPORTED": "1"})
    assert not p.changed
    assert p.after == SAMPLE
    assert p.changed_keys == []


def test_export_prefix_and_indent_kept_on_update():
    p = plan("  export A=1\n", {"A": "2"})
    assert p.after == "  export A=2\n"


def test_bare_key_becomes_assignment():
    p = plan("A\nB=1\n", {"A": "x"})
    assert p.after == "A=x\nB=1\n"
    assert p.updated == ["A"]


def test_new_keys_appended_in_given_order():
    p = plan("A=1\n", {"Z": "26", "B": "2"})
    assert p.after == "A=1\nZ=26\nB=2\n"
    assert p.added == ["Z", "B"]


def test_final_line_without_newline_gets_one_before_appending():
    assert plan("A=1", {"B": "2"}).after == "A=1\nB=2\n"


def test_final_line_without_newline_updated_stays_without_newline():
    assert plan("A=1\nB=2", {"B": "3"}).after == "A=1\nB=3"


def test_crlf_file_stays_crlf():
    text = "# c\r\nA=1\r\nB=2"
    p = plan(text, {"A": "9", "C": "3"})
    assert p.after == "# c\r\nA=9\r\nB=2\r\nC=3\r\n"


def test_crlf_value_excludes_carriage_return():
    # docker strips the CR of a CRLF line: the value is "1", so nothing to change.
    assert not plan("A=1\r\n", {"A": "1"}).changed


def test_empty_file_gets_lf():
    assert plan("", {"A": "1"}).after == "A=1\n"


def test_duplicates_last_wins_earlier_removed():
    text = "A=1\n# between\nA=2\nB=0\nA=3\n"
    p = plan(text, {"A": "3"})
    assert p.after == "# between\nB=0\nA=3\n"
    assert p.duplicates == ["A"]
    assert p.updated == []
    assert p.changed and p.changed_keys == ["A"]
    p = plan(text, {"A": "4"})
    assert p.after == "# between\nB=0\nA=4\n"
    assert p.updated == ["A"] and p.duplicates == ["A"]


def test_unmanaged_duplicates_are_left_alone():
    text = "X=1\nX=2\nA=1\n"
    assert plan(text, {"A": "1"}).after == text


def test_absent_removes_every_definition():
    p = plan("A=1\nB=2\nexport A=3\nA\n# A=commented\n", {}, ["A", "NOT_THERE"])
    assert p.after == "B=2\n# A=commented\n"
    assert p.removed == ["A"]


def test_absent_of_last_line_without_newline():
    assert plan("A=1\nB=2", {}, ["B"]).after == "A=1\n"


def test_marker_appended_once_then_reused():
    first = plan("A=1\n", {"B": "2"}, marker="# managed")
    assert first.after == "A=1\n\n# managed\nB=2\n"
    second = plan(first.after + "# trailing comment\n", {"B": "2", "C": "3"}, marker="# managed")
    assert second.after == "A=1\n\n# managed\nB=2\nC=3\n# trailing comment\n"


def test_marker_in_empty_file_has_no_leading_blank():
    assert plan("", {"B": "2"}, marker="# managed").after == "# managed\nB=2\n"


def test_marker_not_added_when_nothing_is_new():
    assert plan("A=1\n", {"A": "1"}, marker="# managed").after == "A=1\n"


@pytest.mark.parametrize("value,text", [
    ("x y", "x y"), ("", ""), ('"quoted"', '"quoted"'), (True, "true"), (False, "false"), (8090, "8090"),
    (1.5, "1.5"), ("caf\u00e9", "caf\u00e9"),
])
def test_render_value(value, text):
    assert render_value("K", value) == text


@pytest.mark.parametrize("value,word", [("a\nb", "newline"), ("a\rb", "carriage return"), ("a\x00b", "NUL")])
def test_refused_values_name_the_key_not_the_value(value, word):
    with pytest.raises(EnvFileError) as exc:
        validate({"GOOD": "ok", "SECRET_KEY": value}, [])
    assert "values.SECRET_KEY" in str(exc.value)
    assert word in str(exc.value)
    assert value not in str(exc.value)


def test_validate_reports_every_problem():
    with pytest.raises(EnvFileError) as exc:
        validate({"1BAD": "x", "OK": None, "L": [1], "BOTH": "x"}, ["BOTH", "bad-key"])
    msg = str(exc.value)
    for part in ("'1BAD'", "values.OK is null", "values.L is a list", "'bad-key'", "BOTH both in values"):
        assert part in msg


@pytest.mark.parametrize("marker", ["no hash", "# two\nlines"])
def test_bad_marker(marker):
    with pytest.raises(EnvFileError):
        validate({}, [], marker)


def test_masking_by_key_and_pattern():
    is_secret = secret_matcher(["TENANT_ID"], r"(?i)passw")
    text = masked(parse(SAMPLE), is_secret)
    assert "s3cr3t" not in text and "tenant-1" not in text
    assert "REDIS_PASSWORD=%s\n" % MASK in text
    assert "TENANT_ID=%s\n" % MASK in text
    assert "ORG_ID=42\n" in text
    assert not secret_matcher([], "")("REDIS_PASSWORD")


@pytest.mark.parametrize("mode,owner,group,ok", [
    ("0600", None, None, True), ("600", None, None, True), (0o640, None, None, True), ("u=rw,go=", None, None, True),
    ("0800", None, None, False), ("rw", None, None, False), (None, "root", "0", True),
    (None, "no-such-user-xyz", None, False), (None, None, "no-such-group-xyz", False),
])
def test_check_attributes(mode, owner, group, ok):
    if ok:
        check_attributes(mode, owner, group)
    else:
        with pytest.raises(EnvFileError):
            check_attributes(mode, owner, group)
