#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry point */
// `pulse-client`: the built client (npm run build); `pulse-client --help` lists its modes.
require('../dist/apps/client/main.js');
