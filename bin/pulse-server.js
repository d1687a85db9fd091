#!/usr/bin/env -S node --heap-growing-percent=50
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point */
// `pulse-server`: the built server (npm run build) with the V8 flags it is measured with, on
// node's command line where V8 reads them (why this flag: SERVER_NODE_ARGS in
// apps/server/test/support/spawn-server.ts). node is the process itself (env execs it), so
// signals reach the server's shutdown hooks. Settings: PULSE_* variables or PULSE_CONFIG.
require('../dist/apps/server/main.js');
