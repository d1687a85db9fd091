#!/usr/bin/env bash
# npm run test:docker: builds the images and runs the end-to-end checks against the
# containerized server.
#   1. a Docker engine: the running one, or (as root) dockerd started here and stopped at the end;
#      none reachable: skipped with a message, or a failure under CI=true
#   2. base images (scripts/docker-local-base.sh) and host-built artifacts in two temporary build
#      contexts (runtime, dev); the images built from their *-from-host stages
#   3. the compose stack up (CLIENT_REPLICAS=3, the server published on a free loopback port),
#      healthy; the protocol suite against it; then apps/server/test/docker/*.docker-spec.ts
#      (stack.docker-spec.ts: clients, netcat, stop, down/up, config, crash restart;
#      dev.docker-spec.ts: the dev target; cluster.docker-spec.ts: docker-compose.cluster.yml;
#      monitoring.docker-spec.ts: docker-compose.monitoring.yml, Prometheus and Alertmanager on
#      the base images step 2 made)
#   4. always, also on failure: the test stacks' containers, networks and volumes removed, the
#      temporary contexts deleted, the engine stopped if this script started it
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
started_at=$SECONDS

skip_or_fail() {
  if [ "${CI:-}" = true ]; then
    echo "test:docker: FAILED: $1 (CI=true: the container tests may not be skipped)" >&2
    exit 1
  fi
  echo "test:docker: SKIPPED: $1" >&2
  exit 0
}

# --- 1. engine -----------------------------------------------------------------------------
engine_pid=
stop_engine() {
  [ -n "$engine_pid" ] || return 0
  kill "$engine_pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$engine_pid" 2>/dev/null || break; sleep 0.5; done
  echo "test:docker: stopped the Docker engine this run started"
}
command -v docker >/dev/null || skip_or_fail "no docker command (scripts/install-system-deps.sh)"
if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; then
    engine_log=$(mktemp /tmp/pulse-dockerd.XXXXXX.log)
    dockerd --storage-driver="${PULSE_DOCKERD_STORAGE_DRIVER:-overlay2}" --iptables=false \
      >"$engine_log" 2>&1 &
    engine_pid=$!
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    if ! docker info >/dev/null 2>&1; then
      tail -20 "$engine_log" >&2
      stop_engine
      skip_or_fail "dockerd did not start (log above)"
    fi
    echo "test:docker: started the Docker engine (dockerd, log $engine_log)"
  else
    skip_or_fail "no Docker engine reachable (start dockerd, or run as root with docker.io installed)"
  fi
fi

if docker compose version >/dev/null 2>&1; then
  export PULSE_COMPOSE="docker compose"
elif command -v docker-compose >/dev/null; then
  export PULSE_COMPOSE=docker-compose
else
  stop_engine
  skip_or_fail "neither docker compose nor docker-compose is installed"
fi

# --- 2. images -----------------------------------------------------------------------------
runtime_context=$(mktemp -d /tmp/pulse-docker-runtime.XXXXXX)
dev_context=$(mktemp -d /tmp/pulse-docker-dev.XXXXXX)
export PULSE_DOCKER_RUNTIME_CONTEXT=$runtime_context PULSE_DOCKER_DEV_CONTEXT=$dev_context
export PULSE_IMAGE_TAG=test PULSE_TEST_PROJECT=pulse-test PULSE_TEST_DEV_PROJECT=pulse-test-dev
export PULSE_TEST_CLUSTER_PROJECT=pulse-test-cluster PULSE_TEST_CLUSTER_NETWORK=pulse-test-cluster-net
export PULSE_TEST_NETWORK=pulse-test-net PULSE_TEST_DEV_NETWORK=pulse-test-dev-net CLIENT_REPLICAS=3
export PULSE_TEST_MONITORING_PROJECT=pulse-test-monitoring
export PULSE_TEST_MONITORING_NETWORK=pulse-test-monitoring-net
runtime_files=docker-compose.yml:docker-compose.publish.yml:apps/server/test/docker/docker-compose.host-artifacts.yml
dev_files=docker-compose.yml:docker-compose.dev.yml:apps/server/test/docker/docker-compose.dev-from-host.yml
cluster_files=docker-compose.cluster.yml:apps/server/test/docker/docker-compose.cluster-host-artifacts.yml
monitoring_files=docker-compose.yml:docker-compose.monitoring.yml:apps/server/test/docker/docker-compose.host-artifacts.yml
export PULSE_TEST_COMPOSE_FILES=$runtime_files PULSE_TEST_DEV_COMPOSE_FILES=$dev_files
export PULSE_TEST_CLUSTER_COMPOSE_FILES=$cluster_files PULSE_TEST_MONITORING_COMPOSE_FILES=$monitoring_files

compose() { # compose CONTEXT PROJECT FILES NETWORK ARGS...
  local context=$1 project=$2 files=$3 network=$4
  shift 4
  (cd "$context" && COMPOSE_PROJECT_NAME=$project COMPOSE_FILE=$files PULSE_NETWORK=$network $PULSE_COMPOSE "$@")
}
runtime_compose() { compose "$runtime_context" "$PULSE_TEST_PROJECT" "$runtime_files" "$PULSE_TEST_NETWORK" "$@"; }
dev_compose() { compose "$dev_context" "$PULSE_TEST_DEV_PROJECT" "$dev_files" "$PULSE_TEST_DEV_NETWORK" "$@"; }
cluster_compose() { compose "$runtime_context" "$PULSE_TEST_CLUSTER_PROJECT" "$cluster_files" "$PULSE_TEST_CLUSTER_NETWORK" "$@"; }
monitoring_compose() { compose "$runtime_context" "$PULSE_TEST_MONITORING_PROJECT" "$monitoring_files" "$PULSE_TEST_MONITORING_NETWORK" "$@"; }
cleanup() {
  local status=$?
  set +e
  [ -f "$runtime_context/docker-compose.yml" ] &&
    runtime_compose down -v --remove-orphans >/dev/null 2>&1
  [ -f "$dev_context/docker-compose.yml" ] &&
    dev_compose down -v --remove-orphans >/dev/null 2>&1
  [ -f "$runtime_context/docker-compose.cluster.yml" ] &&
    cluster_compose down -v --remove-orphans >/dev/null 2>&1
  [ -f "$runtime_context/docker-compose.monitoring.yml" ] &&
    monitoring_compose down -v --remove-orphans >/dev/null 2>&1
  # Rebuilt by every run (the artifacts change); the base images stay for the next run.
  docker image rm pulse-server:test pulse-client:test pulse-server-dev:test >/dev/null 2>&1
  rm -rf "$runtime_context" "$dev_context"
  stop_engine
  echo "test:docker: $([ $status = 0 ] && echo passed || echo FAILED) in $((SECONDS - started_at)) s"
  exit $status
}
trap cleanup EXIT

step() { echo "test:docker: $1 ($((SECONDS - started_at)) s)"; }
# What a run killed before its cleanup (SIGKILL, a power cut) may have left behind.
for project in "$PULSE_TEST_PROJECT" "$PULSE_TEST_DEV_PROJECT" "$PULSE_TEST_CLUSTER_PROJECT" \
  "$PULSE_TEST_MONITORING_PROJECT"; do
  docker ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r docker rm -f >/dev/null
  docker volume ls -q --filter "label=com.docker.compose.project=$project" | xargs -r docker volume rm >/dev/null
done
docker network rm "$PULSE_TEST_NETWORK" "$PULSE_TEST_DEV_NETWORK" "$PULSE_TEST_CLUSTER_NETWORK" \
  "$PULSE_TEST_MONITORING_NETWORK" >/dev/null 2>&1 || true
scripts/docker-local-base.sh
step "base images ready"
scripts/docker-host-artifacts.sh "$runtime_context" server client
scripts/docker-host-artifacts.sh "$dev_context" dev
step "host artifacts ready"
PULSE_PUBLISH="127.0.0.1:$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
export PULSE_PUBLISH
runtime_compose build --quiet
step "built pulse-server:test and pulse-client:test"
dev_compose build --quiet server
step "built pulse-server-dev:test"
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
  grep -E '^((pulse-server|pulse-client|pulse-server-dev):test|prom/(prometheus|alertmanager):v[0-9.]+) ' |
  sed 's/^/test:docker: image size /'

# --- 3. tests ------------------------------------------------------------------------------
runtime_compose up -d --no-build --scale client=3
wait_healthy() {
  local id status
  for _ in $(seq 1 180); do
    id=$(docker ps -q --filter "label=com.docker.compose.project=$PULSE_TEST_PROJECT" \
      --filter label=com.docker.compose.service=server)
    status=$(docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null || true)
    [ "$status" = healthy ] && return 0
    sleep 0.5
  done
  runtime_compose logs --tail=50 >&2
  echo "test:docker: the server did not become healthy in 90 s (last status: ${status:-none})" >&2
  return 1
}
wait_healthy
step "stack up and healthy on $PULSE_PUBLISH"

jest=(node --experimental-vm-modules node_modules/jest/bin/jest.js -c apps/server/test/docker/jest-docker.config.js)
# The protocol suite, against the container.
PULSE_E2E_EXTERNAL_PORT=${PULSE_PUBLISH##*:} "${jest[@]}" --runTestsByPath \
  "$repo/apps/server/test/protocol.e2e-spec.ts"
step "protocol suite passed against the container"
"${jest[@]}" --runInBand apps/server/test/docker
