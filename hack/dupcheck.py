# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Report every run of MIN_LINES or more identical lines that stands in two places under the directories given
(issue 22: each concept written once). `make dupcheck`; a stage of `make test`.

Lines are compared with their white space folded. Blank lines, comment lines, import lines and lines of punctuation
alone (a closing bracket, a docstring quote, a YAML document start) are passed over, so a run may span them; line
numbers are those of the file. Two places are two files, or two parts of one file that do not overlap. The
documentation of a filter or test plugin (a .yml file whose first key is DOCUMENTATION) is prose, like the `duplicates`
command leaves prose out, and is not read: its options are described where each filter is.

Usage: hack/dupcheck.py [--min-lines N] DIR [DIR ...]   (exit 0: none found; 1: pairs listed; 2: bad usage)
"""

from __future__ import annotations

import argparse
import os
import re
import sys

MIN_LINES = 6
SUFFIXES = (".py", ".yml", ".yaml", ".j2", ".sh")
_SKIP = re.compile(r"""^(?:\#.*|(?:from\s+\S+\s+)?import\s.*|[\s()\[\]{}<>,.:;'"`|\-]*)$""")


def significant_lines(text):
    """[(line number, folded text)] of the lines that count."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        folded = " ".join(line.split())
        if not _SKIP.match(folded):
            out.append((number, folded))
    return out


def files_under(directories, suffixes=SUFFIXES):
    for directory in directories:
        if os.path.isfile(directory):
            yield directory
            continue
        for root, dirs, names in os.walk(directory):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for name in sorted(names):
                if name.endswith(suffixes):
                    yield os.path.join(root, name)


def is_plugin_documentation(path, text):
    """A filter's or test's documentation file (plugins/filter/name.yml): YAML whose first key is DOCUMENTATION."""
    if not path.endswith((".yml", ".yaml")):
        return False
    for line in text.splitlines():
        if line.strip() and not line.startswith(("#", "---")):
            return line.startswith("DOCUMENTATION:")
    return False


def find_pairs(texts, min_lines=MIN_LINES):
    """[(path a, first, last, path b, first, last)] of the longest shared runs, from {path: text}."""
    lines = {path: significant_lines(text) for path, text in texts.items()}
    where = {}
    for path, rows in lines.items():
        for index in range(len(rows) - min_lines + 1):
            key = tuple(text for _number, text in rows[index:index + min_lines])
            where.setdefault(key, []).append((path, index))
    starts = set()
    for places in where.values():
        for i, (path_a, index_a) in enumerate(places):
            for path_b, index_b in places[i + 1:]:
                if path_a == path_b and abs(index_a - index_b) < min_lines:
                    continue  # one place overlapping itself (a repeated line)
                starts.add((path_a, index_a, path_b, index_b))
    pairs = []
    for path_a, index_a, path_b, index_b in sorted(starts):
        if (path_a, index_a - 1, path_b, index_b - 1) in starts:
            continue  # inside a run that started earlier
        length = min_lines
        while (path_a, index_a + length - min_lines + 1, path_b, index_b + length - min_lines + 1) in starts:
            length += 1
        rows_a, rows_b = lines[path_a], lines[path_b]
        pairs.append((path_a, rows_a[index_a][0], rows_a[index_a + length - 1][0],
                      path_b, rows_b[index_b][0], rows_b[index_b + length - 1][0]))
    return pairs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--min-lines", type=int, default=MIN_LINES)
    parser.add_argument("directories", nargs="+")
    args = parser.parse_args(argv)
    if args.min_lines < 2:
        parser.error("--min-lines must be 2 or more")
    missing = [d for d in args.directories if not os.path.exists(d)]
    if missing:
        parser.error("not found: %s" % ", ".join(missing))
    texts = {}
    for path in files_under(args.directories):
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        if not is_plugin_documentation(path, text):
            texts[path] = text
    pairs = find_pairs(texts, args.min_lines)
    for path_a, first_a, last_a, path_b, first_b, last_b in pairs:
        print("%s:%d-%d ~ %s:%d-%d" % (path_a, first_a, last_a, path_b, first_b, last_b))
    print("%d file(s) read, %d pair(s) of places sharing %d or more identical lines"
          % (len(texts), len(pairs), args.min_lines), file=sys.stderr if not pairs else sys.stdout)
    return 1 if pairs else 0


if __name__ == "__main__":
    sys.exit(main())
