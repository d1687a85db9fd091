#!/usr/bin/env bash
# The one system install step, run first by `npm test` and by .ci/run; idempotent (it installs
# only what is missing). The Debian packages the tests use:
#   netcat-openbsd               scripts/validate-server.sh --local
#   docker-compose               compose file validation; the container tests
#   docker.io                    the Docker engine for the container tests (npm run test:docker)
#   debootstrap, busybox-static  local base images, where no image registry is reachable
#   nats-server                  the NATS JetStream cluster of the cluster-mode e2e tests
#   prometheus                   scrapes Pulse's /metrics in the observability e2e test
#   prometheus-alertmanager      receives Pulse's alert notifications (issue 14)
#   ca-certificates              debootstrap's and npm's HTTPS downloads of the local base images
#   chromium                     the dashboard's browser tests (playwright-core drives it)
#   openssl                      the TLS tests' certificates
#   faketime                     libfaketime: the benchmark's spreadquery row speeds up Pulse's clock
# As root on Debian, apt-get installs what is missing. Otherwise it prints the command to run,
# and the tests that need a missing tool say they were skipped (under CI=true they fail).
set -euo pipefail

missing=()
command -v nc >/dev/null || missing+=(netcat-openbsd)
command -v docker-compose >/dev/null || missing+=(docker-compose)
{ command -v dockerd >/dev/null && command -v docker >/dev/null; } || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v nats-server >/dev/null || missing+=(nats-server)
command -v prometheus >/dev/null || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null || missing+=(prometheus-alertmanager)
[ -s /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
command -v chromium >/dev/null || missing+=(chromium)
command -v openssl >/dev/null || missing+=(openssl)
command -v faketime >/dev/null || missing+=(faketime)
busybox_linkage=$(ldd "$(command -v busybox || echo /nonexistent)" 2>&1 || true)
[[ $busybox_linkage == *'not a dynamic executable'* ]] || missing+=(busybox-static)

[ ${#missing[@]} -eq 0 ] && exit 0

command_line="apt-get install -y ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "install-system-deps: $command_line"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # busybox-static replaces busybox (the dynamically linked one) when that is installed.
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "install-system-deps: missing ${missing[*]}; as root on Debian run: $command_line" >&2
  echo "install-system-deps: the tests that need them will say they were skipped" >&2
fi
