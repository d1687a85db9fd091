#!/usr/bin/env bash
# Checks a running Pulse server with netcat: sends a LOG and a QUERY on a fresh metric and
# compares the replies byte for byte. Exit 0 if they match, 1 (with a clear message) if not.
#
#   scripts/validate-server.sh                    # Docker: busybox nc on the compose network
#   scripts/validate-server.sh --local HOST:PORT  # this machine's netcat (netcat-openbsd)
#   scripts/validate-server.sh --local HOST:PORT --tls CA_FILE [--cert FILE --key FILE]
#                                                 # a server with PULSE_TLS_*: openssl s_client,
#                                                 # verifying its certificate against CA_FILE
set -euo pipefail

usage() {
  echo "usage: $0 [--local HOST:PORT] [--network NAME] [--server HOST:PORT]" \
    "[--tls CA_FILE [--cert FILE --key FILE]]" >&2
  exit 2
}

mode=docker
target=server:7070
network=${PULSE_NETWORK:-pulse-net}
ca_file=
client_pair=()
while [ $# -gt 0 ]; do
  case "$1" in
    --local) mode=local; target=${2:?}; shift 2 ;;
    --tls) ca_file=${2:?}; shift 2 ;;
    --cert) client_pair+=(-cert "${2:?}"); shift 2 ;;
    --key) client_pair+=(-key "${2:?}"); shift 2 ;;
    --network) network=${2:?}; shift 2 ;;
    --server) target=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done
# The tag scripts/docker-local-base.sh makes where no registry is reachable (Debian's busybox).
busybox_image=${PULSE_BUSYBOX_IMAGE:-busybox:1.35}
host=${target%:*}
port=${target##*:}

metric="validate.$(date +%s).$$"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'LOG %s 1.5\nQUERY %s MAX 60\n' "$metric" "$metric" > "$work/request"
printf '201 Metric Inserted\n200 [1.5]\n' > "$work/expected"

if [ -n "$ca_file" ]; then
  [ "$mode" = local ] || { echo "validate: --tls needs --local HOST:PORT" >&2; exit 2; }
  command -v openssl >/dev/null || { echo "validate: openssl is not installed" >&2; exit 1; }
  # -quiet keeps reading after the request (it implies -ign_eof); timeout ends it once answered.
  timeout 5 openssl s_client -connect "$host:$port" -CAfile "$ca_file" -verify_return_error \
    "${client_pair[@]}" -quiet < "$work/request" > "$work/actual" 2>/dev/null || true
elif [ "$mode" = local ]; then
  command -v nc >/dev/null || { echo "validate: netcat (nc) is not installed" >&2; exit 1; }
  # -N: half-close after the request; the server answers both lines, then closes.
  nc -N -w 5 "$host" "$port" < "$work/request" > "$work/actual" || true
else
  command -v docker >/dev/null || { echo "validate: docker is not installed (try --local)" >&2; exit 1; }
  docker run --rm -i --network "$network" "$busybox_image" nc -w 5 "$host" "$port" \
    < "$work/request" > "$work/actual" || true
fi

# Files, not $(...): command substitution would drop the final newline from the comparison.
if cmp -s "$work/expected" "$work/actual"; then
  echo "validate: OK: $host:$port answered LOG and QUERY byte for byte"
  exit 0
fi
echo "validate: FAILED against $host:$port" >&2
echo "--- expected" >&2; od -c "$work/expected" >&2
echo "--- received" >&2; od -c "$work/actual" >&2
exit 1
