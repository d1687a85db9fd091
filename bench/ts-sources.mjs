// ts-sources.mjs - loads modules of libs/ from their TypeScript sources, for benchmark parts that
// measure storage's own code below the protocol (the server bundle exports nothing). Every
// libs/**/*.ts file (specs excluded) is transpiled once with TypeScript's transpileModule into a
// temporary directory as CommonJS; `@app/<lib>` imports resolve to those files and bare package
// names to the project's node_modules. The directory is removed by the returned cleanup.
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from './servers.mjs';

const projectRequire = createRequire(path.join(ROOT, 'package.json'));

function sourcesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(full);
    const source = entry.name.endsWith('.ts') && !/\.(spec|d)\.ts$/.test(entry.name);
    return source ? [full] : [];
  });
}

/** Transpiles libs/ and returns { load(relativePath), cleanup() }. */
export function loadLibSources() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-bench-libs-'));
  for (const file of sourcesUnder(path.join(ROOT, 'libs'))) {
    const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
      },
      fileName: file,
    });
    const target = path.join(out, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, outputText);
  }
  const original = Module._resolveFilename;
  Module._resolveFilename = function resolve(request, parent, ...rest) {
    const alias = /^@app\/([a-z]+)(\/.*)?$/.exec(request);
    if (alias) request = path.join(out, 'libs', alias[1], 'src', alias[2] ?? 'index');
    else if (
      parent?.filename?.startsWith(out) &&
      !request.startsWith('.') &&
      !path.isAbsolute(request)
    ) {
      return projectRequire.resolve(request);
    }
    return original.call(this, request, parent, ...rest);
  };
  const load = (relative) => projectRequire(path.join(out, relative.replace(/\.ts$/, '.js')));
  const cleanup = () => {
    Module._resolveFilename = original;
    fs.rmSync(out, { recursive: true, force: true });
  };
  return { load, cleanup };
}
