#!/usr/bin/env bash
# npm run test:cluster: the protocol suite (apps/server/test/protocol.e2e-spec.ts) through each
# of three Pulse nodes in cluster mode on a three-server NATS JetStream cluster it starts on
# loopback (apps/server/test/support/protocol-target.ts): every reply byte-exact on every node.
# The rest of the cluster tests run with npm run test:e2e (apps/server/test/cluster/).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nats-server >/dev/null; then
  if [ "${CI:-}" = true ]; then
    echo "test:cluster: FAILED: no nats-server (CI=true: may not be skipped)" >&2
    exit 1
  fi
  echo "test:cluster: SKIPPED: no nats-server (scripts/install-system-deps.sh installs it)" >&2
  exit 0
fi
for node in 0 1 2; do
  echo "test:cluster: the protocol suite through node $node"
  PULSE_E2E_CLUSTER_NODE=$node node --experimental-vm-modules node_modules/jest/bin/jest.js \
    -c apps/server/test/jest-e2e.config.js --runTestsByPath apps/server/test/protocol.e2e-spec.ts
done
