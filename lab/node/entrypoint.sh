#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Lab host start-up: what a prepared EXEC VM runs before the collection touches it.
#  - chronyd (no CAP_SYS_TIME in a container: -x, it tracks time without setting the clock), from the lab's NTP
#    source given in LAB_NTP_SERVER, else the host clock's own local reference;
#  - dockerd when LAB_DOCKER=1, in its own cgroup parent so that several lab hosts can run one each.
set -eu
mkdir -p /run/chrony && chown _chrony:_chrony /run/chrony && chmod 0750 /run/chrony && rm -f /run/chrony/chronyd.pid
if [ -n "${LAB_NTP_SERVER:-}" ]; then
  printf 'server %s iburst minpoll 4 maxpoll 6\nmakestep 1 -1\ncmdport 0\n' "$LAB_NTP_SERVER" > /etc/chrony/chrony.conf
else
  printf 'local stratum 8\nmanual\ncmdport 0\n' > /etc/chrony/chrony.conf
fi
chronyd -x -f /etc/chrony/chrony.conf
if [ "${LAB_DOCKER:-0}" = "1" ]; then
  # A restarted host (docker stop/start) keeps /run: the pid files of the previous engine would stop this one.
  rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
  dockerd --cgroup-parent="/engage-lab-$(hostname)" --host=unix:///var/run/docker.sock \
    > /var/log/dockerd.log 2>&1 &
fi
exec sleep infinity
