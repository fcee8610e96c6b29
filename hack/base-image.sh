#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Build the project's base image (Debian minbase + python3, made with debootstrap and `docker import`: no registry can
# be pulled from here) for one Debian suite: bookworm (12, the default) or trixie (13), as the first argument or
# LAB_SUITE. The tag carries the suite and a hash of the recipe, so the image is rebuilt only when what goes into it
# changes; it is also tagged engage-exec-base:<suite> (and :latest for bookworm). Prints the image name on the last
# line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
SUITE=${1:-${LAB_SUITE:-bookworm}}
case $SUITE in
  bookworm|trixie) ;;
  *) echo "ERROR: unknown Debian suite '$SUITE': use bookworm (12) or trixie (13)" >&2; exit 2 ;;
esac
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
INCLUDE=python3,python3-apt,ca-certificates,iproute2,procps,sudo
key=$(printf '%s\n' "$SUITE" "$INCLUDE" "$(sed -n '/^# image-recipe-begin/,/^# image-recipe-end/p' "$0")" | sha256sum | cut -c1-12)
image=engage-exec-base:$SUITE-$key
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "base image: $image (cached)" >&2; echo "$image"; exit 0
fi
command -v debootstrap >/dev/null || { echo "ERROR: debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
work=$(mktemp -d "$root/.cache/rootfs.XXXXXX" 2>/dev/null || { mkdir -p "$root/.cache"; mktemp -d "$root/.cache/rootfs.XXXXXX"; })
trap 'rm -rf "$work"' EXIT
echo "base image: debootstrap $SUITE (about a minute)" >&2
# image-recipe-begin
debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$work/rootfs" "$MIRROR" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; echo "ERROR: debootstrap failed (mirror $MIRROR)" >&2; exit 1; }
printf 'deb %s %s main\ndeb %s %s-updates main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" > "$work/rootfs/etc/apt/sources.list"
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
printf '#!/bin/sh\nexit 101\n' > "$work/rootfs/usr/sbin/policy-rc.d"; chmod 0755 "$work/rootfs/usr/sbin/policy-rc.d"
# image-recipe-end
tar -C "$work/rootfs" -c . | docker import -c 'CMD ["sleep", "infinity"]' - "$image" >/dev/null
docker tag "$image" "engage-exec-base:$SUITE"
[ "$SUITE" != bookworm ] || docker tag "$image" engage-exec-base:latest
echo "base image: built $image" >&2
echo "$image"
