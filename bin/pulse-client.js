#!/usr/bin/env node
// `pulse-client`: the built client (npm run build); `pulse-client --help` lists its modes.
require('../dist/apps/client/main.js');
