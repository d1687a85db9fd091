import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from './config-file';

describe('readConfigFile', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pulse-client-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads YAML keyed by env names, scalars as strings, lists joined with commas', () => {
    const path = file(
      'client.yaml',
      'PULSE_SERVER_HOST: server\nPULSE_SERVER_PORT: 7070\nPULSE_CLIENT_IDS: [a, b]\n',
    );
    expect(readConfigFile(path)).toEqual(
      new Map([
        ['PULSE_SERVER_HOST', 'server'],
        ['PULSE_SERVER_PORT', '7070'],
        ['PULSE_CLIENT_IDS', 'a,b'],
      ]),
    );
  });

  it('reads JSON', () => {
    const path = file('client.json', '{"PULSE_CLIENT_RATE": 20.5}');
    expect(readConfigFile(path)).toEqual(new Map([['PULSE_CLIENT_RATE', '20.5']]));
  });

  it('reads an empty file as no settings', () => {
    expect(readConfigFile(file('empty.yaml', ''))).toEqual(new Map());
  });

  it('names the file in every error', () => {
    expect(() => readConfigFile(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: ENOENT/);
    expect(() => readConfigFile(file('bad.json', '{'))).toThrow(/bad\.json: /);
    expect(() => readConfigFile(file('list.yaml', '- a\n- b\n'))).toThrow(
      /list\.yaml: expected a mapping/,
    );
    expect(() => readConfigFile(file('nested.yaml', 'PULSE_SERVER_HOST: { a: 1 }\n'))).toThrow(
      /nested\.yaml: PULSE_SERVER_HOST: expected a string, number or list/,
    );
  });
});
