#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Make sure a Docker engine answers. An engine that already runs is used as it is and left alone; otherwise
# Debian's dockerd is started in the background (log: .cache/dockerd.log, pid: .cache/dockerd.pid).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if docker info >/dev/null 2>&1; then
  echo "docker: engine running ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"; exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "ERROR: no Docker engine answers and dockerd is not installed. Install it (apt-get install docker.io) or" \
       "start your engine, then rerun." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ERROR: no Docker engine answers; starting dockerd needs root. Start your engine (or run as root), then rerun." >&2
  exit 1
fi
mkdir -p "$root/.cache"
echo "docker: starting dockerd (log: .cache/dockerd.log)"
setsid dockerd > "$root/.cache/dockerd.log" 2>&1 < /dev/null &
echo $! > "$root/.cache/dockerd.pid"
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "docker: engine running ($(docker version -f '{{.Server.Version}}'))"; exit 0
  fi
  sleep 0.5
done
echo "ERROR: dockerd did not answer within 30 s; last lines of .cache/dockerd.log:" >&2
tail -n 20 "$root/.cache/dockerd.log" >&2
exit 1
