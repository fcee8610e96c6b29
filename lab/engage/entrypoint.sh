#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lab-engage start-up. Secrets and certificates come from read-only mounts, never from the environment:
#   /run/lab/secrets/{configdb_owner,configdb_reader,gax,redis}   one password per file
#   /run/lab/tls/{tls.crt,tls.key}                                 this host's certificate (lab CA)
set -euo pipefail
secret() { tr -d '\n' < "/run/lab/secrets/$1"; }
PG=/usr/lib/postgresql/15/bin
DATA=/var/lib/postgresql/lab
log=/var/log/lab-engage
mkdir -p "$log"
chown postgres "$log"

# NTP server for the lab hosts (its own clock as the reference; a container cannot set the clock: -x).
mkdir -p /run/chrony && chown _chrony:_chrony /run/chrony && chmod 0750 /run/chrony && rm -f /run/chrony/chronyd.pid
printf 'local stratum 8\nallow all\ncmdport 0\n' > /etc/chrony/chrony.conf
chronyd -x -f /etc/chrony/chrony.conf

# Config DB.
install -d -o postgres -g postgres -m 0700 "$DATA"
install -o postgres -g postgres -m 0600 /run/lab/tls/tls.key "$DATA.key"
install -o postgres -g postgres -m 0644 /run/lab/tls/tls.crt "$DATA.crt"
if [ ! -s "$DATA/PG_VERSION" ]; then
  pw=$(mktemp) && secret configdb_owner > "$pw" && chown postgres "$pw"
  su postgres -c "$PG/initdb -D $DATA -U postgres -A scram-sha-256 --pwfile=$pw -E UTF8 --no-sync" > "$log/initdb.log" 2>&1
  rm -f "$pw"
  cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = '*'
ssl = on
ssl_cert_file = '$DATA.crt'
ssl_key_file = '$DATA.key'
fsync = off
CONF
  echo "hostssl all all 0.0.0.0/0 scram-sha-256" >> "$DATA/pg_hba.conf"
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$DATA/pg_hba.conf"
  fresh=1
fi
su postgres -c "$PG/pg_ctl -D $DATA -l $log/postgres.log -w start" >/dev/null
if [ "${fresh:-0}" = 1 ]; then
  export PGPASSWORD; PGPASSWORD=$(secret configdb_owner)
  psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE config"
  for f in /opt/engage-lab/configdb/*.sql; do
    psql -h 127.0.0.1 -U postgres -d config -v ON_ERROR_STOP=1 -q -f "$f"
  done
  psql -h 127.0.0.1 -U postgres -d config -v ON_ERROR_STOP=1 -q \
    -v pw="$(secret configdb_reader)" <<'SQL'
CREATE ROLE config_reader LOGIN PASSWORD :'pw';
GRANT SELECT ON ALL TABLES IN SCHEMA public TO config_reader;
SQL
  unset PGPASSWORD
fi

# GAX over the Config DB (HTTPS 8443).
# The Config DB password reaches libpq through PGPASSWORD (the process environment), not the command line.
PGPASSWORD=$(secret configdb_owner) python3 /opt/engage-lab/gax_server.py --host 0.0.0.0 --port 8443 \
  --dsn "host=127.0.0.1 dbname=config user=postgres" \
  --password-file /run/lab/secrets/gax --tls-cert /run/lab/tls/tls.crt --tls-key /run/lab/tls/tls.key --admin \
  > "$log/gax.log" 2>&1 &

# Redis (password from a file, through a config include so that it is not on the command line).
printf 'bind 0.0.0.0\nport 6379\nprotected-mode no\nsave ""\nappendonly no\nrequirepass %s\n' "$(secret redis)" \
  > /etc/redis/lab.conf
chmod 0600 /etc/redis/lab.conf
redis-server /etc/redis/lab.conf > "$log/redis.log" 2>&1 &

# Stat Servers (primary 2060, backup 2061) and a SIP Server (8000).
cd /opt/engage-lab
python3 engage_tcp.py --kind statserver --name statserver-primary --host 0.0.0.0 --port 2060 > "$log/stat1.log" 2>&1 &
python3 engage_tcp.py --kind statserver --name statserver-backup --host 0.0.0.0 --port 2061 > "$log/stat2.log" 2>&1 &
python3 engage_tcp.py --kind sipserver --name sipserver-1 --host 0.0.0.0 --port 8000 > "$log/sip1.log" 2>&1 &

echo "lab-engage: up" > "$log/ready"
exec sleep infinity
