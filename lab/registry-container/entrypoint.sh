#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# lab-registry start-up: user and password from /run/lab/secrets/{registry_user,registry} (read-only mount),
# certificate from /run/lab/tls/{tls.crt,tls.key}.
set -eu
mkdir -p /etc/docker-registry /var/lib/docker-registry
htpasswd -B -i -c /etc/docker-registry/htpasswd "$(cat /run/lab/secrets/registry_user)" \
  < /run/lab/secrets/registry 2>/dev/null
chmod 0600 /etc/docker-registry/htpasswd
cat > /etc/docker-registry/config.yml <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
  delete:
    enabled: true
http:
  addr: 0.0.0.0:5000
  tls:
    certificate: /run/lab/tls/tls.crt
    key: /run/lab/tls/tls.key
auth:
  htpasswd:
    realm: engage-lab-registry
    path: /etc/docker-registry/htpasswd
CONF
exec docker-registry serve /etc/docker-registry/config.yml
