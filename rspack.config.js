// Build configuration for `nest build` (rspack builder): Nest's defaults, with SWC emitting ES2022.
// Nest's default SWC target (es2021) lowers every class field to a `_define_property(this, key)`
// helper call: megamorphic keyed stores on every object the server creates per request
// (measured: ~1 us of the request/response path). Node 20 runs native class fields, which V8
// optimises; semantics are the same ([[Define]], as TypeScript's useDefineForClassFields).
module.exports = (options) => {
  for (const rule of options.module.rules) {
    for (const use of rule.use ?? []) {
      if (use.loader === 'builtin:swc-loader') use.options.jsc.target = 'es2022';
    }
  }
  // The server's build also emits compaction-worker.js next to main.js: the script of storage's
  // compaction thread (libs/persistence/src/compaction/compaction-runner.ts), whose path main.ts
  // hands to storage; and healthcheck.js, the container health check (bin/pulse-healthcheck.js).
  if (typeof options.entry === 'string' && options.entry.endsWith('apps/server/src/main.ts')) {
    options.entry = {
      main: options.entry,
      'compaction-worker': `${__dirname}/libs/persistence/src/compaction/compaction-worker.ts`,
      healthcheck: `${__dirname}/apps/server/src/healthcheck.ts`,
    };
    options.output.filename = 'apps/server/[name].js';
  }
  return options;
};
