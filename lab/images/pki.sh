#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The lab's certificate authority and server certificates (openssl), in .cache/lab/pki (or $LAB_PKI_DIR).
#   lab/images/pki.sh                       the CA only
#   lab/images/pki.sh NAME SAN [SAN ...]    also NAME.crt/NAME.key for the SANs (DNS:x or IP:x), signed by the CA
# Idempotent: the CA is made once; a server certificate is re-issued only when missing, expiring within 30 days,
# signed by another CA, or asked for with other SANs. Prints the folder on the last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${LAB_PKI_DIR:-$root/.cache/lab/pki}
mkdir -p "$dir"
chmod 0755 "$dir"
umask 077

if [ ! -s "$dir/ca.crt" ] || [ ! -s "$dir/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -subj "/CN=engage-exec lab CA" -keyout "$dir/ca.key.tmp" -out "$dir/ca.crt.tmp" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  mv "$dir/ca.key.tmp" "$dir/ca.key"
  mv "$dir/ca.crt.tmp" "$dir/ca.crt"
  chmod 0644 "$dir/ca.crt"
  echo "lab pki: new CA $dir/ca.crt" >&2
fi

if [ $# -ge 2 ]; then
  name=$1
  shift
  sans=$(IFS=,; echo "$*")
  crt=$dir/$name.crt
  key=$dir/$name.key
  fresh=no
  if [ -s "$crt" ] && [ -s "$key" ] && [ "$(cat "$dir/$name.sans" 2>/dev/null)" = "$sans" ] \
     && openssl x509 -in "$crt" -noout -checkend 2592000 >/dev/null \
     && openssl verify -CAfile "$dir/ca.crt" "$crt" >/dev/null 2>&1; then
    fresh=yes
  fi
  if [ "$fresh" = no ]; then
    ext=$(mktemp)
    trap 'rm -f "$ext" "$dir/$name.csr"' EXIT
    printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
      "$sans" > "$ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
      -keyout "$key.tmp" -out "$dir/$name.csr" 2>/dev/null
    openssl x509 -req -sha256 -days 825 -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
      -CAcreateserial -CAserial "$dir/ca.srl" -extfile "$ext" -out "$crt.tmp" 2>/dev/null
    mv "$key.tmp" "$key"
    mv "$crt.tmp" "$crt"
    chmod 0644 "$crt"
    chmod 0600 "$key"
    echo "$sans" > "$dir/$name.sans"
    echo "lab pki: issued $crt for $sans" >&2
  fi
fi
echo "$dir"
