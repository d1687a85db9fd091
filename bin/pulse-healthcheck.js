#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point */
// `pulse-healthcheck`: exit 0 when the server of this machine (or container) is ready; it reads
// the same PULSE_* settings and PULSE_CONFIG file as the server (apps/server/src/healthcheck.ts).
require('../dist/apps/server/healthcheck.js');
