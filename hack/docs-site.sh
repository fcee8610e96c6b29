#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make docs-site`: the collection's documentation as one HTML site, offline, every Sphinx warning an error.
# antsibull-docs writes the pages of the modules, roles and filters (from their documentation, as a docs site of
# Ansible collections shows them); the README, the guides (docs/*.md), the lab page (lab/README.md) and the
# changelog are added as they are. Configuration: hack/docs-site/. Output: .cache/docs-site/build/html/index.html.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/.venv/bin:$PATH" ANSIBLE_CONFIG="$root/ansible.cfg"
site=.cache/docs-site
rm -rf "$site"
mkdir -p "$site/rst"
chmod og-w "$site/rst"  # antsibull-docs wants the folder writable by its owner only
antsibull-docs --config-file hack/docs-site/antsibull-docs.cfg collection --cleanup everything --fail-on-error \
  --use-current --dest-dir "$site/rst" engage_exec.recording >/dev/null
python hack/docs-site/ansible_inventory.py "$site/rst" "$site/ansible.inv"
export DOCS_SITE_ANSIBLE_INVENTORY="$root/$site/ansible.inv"
cp hack/docs-site/index.rst "$site/rst/index.rst"
cp README.md "$site/rst/readme.md"
cp CHANGELOG.rst LICENSE "$site/rst/"
mkdir -p "$site/rst/docs"
cp docs/*.md "$site/rst/docs/"
cp lab/README.md "$site/rst/lab.md"
sphinx-build -q -W --keep-going -b html -c hack/docs-site -d "$site/doctrees" "$site/rst" "$site/build/html"
echo "docs-site: $site/build/html/index.html"
