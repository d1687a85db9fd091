import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { readConfigFile } from './config-file';

describe('readConfigFile', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'pulse-config-file-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const write = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };

  it.each([
    ['PULSE_PORT: [1\n  x: :\n', /line 1, column 14/],
    ['PULSE_PORT: 1\nPULSE_PORT: 2\n', /line 2, column 1: Map keys must be unique$/],
    ['PULSE_PORT: 1\n---\nPULSE_HOST: x\n', /line 2/],
  ])('names the file and line of YAML that does not parse: %j', async (text, where) => {
    const file = await write('pulse.yaml', text);
    expect(() => readConfigFile(file)).toThrow(ConfigError);
    expect(() => readConfigFile(file)).toThrow(`PULSE_CONFIG ${file}: not valid YAML at line`);
    expect(() => readConfigFile(file)).toThrow(where);
  });

  it('rejects YAML that is not a mapping', async () => {
    const file = await write('pulse.yml', '- PULSE_PORT\n');
    expect(() => readConfigFile(file)).toThrow(`PULSE_CONFIG ${file} must hold a mapping`);
  });

  it('reads .env lines: comments, blanks, export, quotes spanning lines', async () => {
    const file = await write(
      'pulse.env',
      '# Pulse\n\nexport PULSE_PORT=9000\nPULSE_HOST="127.0.0.1"\nPULSE_TZ=\'UTC\' # zone\n' +
        'PULSE_DATA_DIR="a\nb"\nPULSE_LOG_LEVEL: debug\n',
    );
    expect(readConfigFile(file)).toEqual({
      PULSE_PORT: '9000',
      PULSE_HOST: '127.0.0.1',
      PULSE_TZ: 'UTC',
      PULSE_DATA_DIR: 'a\nb',
      PULSE_LOG_LEVEL: 'debug',
    });
  });

  it('names the file and line of a .env line dotenv would silently skip', async () => {
    const file = await write('pulse.env', 'PULSE_PORT=9000\nPULSE_HOST 127.0.0.1\n');
    expect(() => readConfigFile(file)).toThrow(
      `PULSE_CONFIG ${file}: line 2 is not NAME=value: "PULSE_HOST 127.0.0.1"`,
    );
  });

  it('names the line of a quote that is never closed', async () => {
    const file = await write('pulse.env', 'PULSE_PORT=9000\nPULSE_HOST="127.0.0.1\n');
    expect(() => readConfigFile(file)).toThrow(`PULSE_CONFIG ${file}: line 2 opens a " it never`);
  });
});
