/**
 * docs/protocol.md stays true: it names every reply of the contract byte for byte, its examples
 * are what the built server answers, and the READMEs link to it rather than outside the
 * repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineClient } from './support/line-client';
import { REPLY } from './support/replies';
import { freshDataDir, PulseServer, removeDataDirs } from './support/spawn-server';

const root = process.cwd();
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The `> command` / `< reply` pairs of the text block under `## Examples`. */
function examples(markdown: string): { commands: string[]; replies: string[] } {
  const section = markdown.split(/^## Examples$/m)[1] ?? '';
  const block = /```text\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const lines = block.split('\n').filter(Boolean);
  return {
    commands: lines.filter((line) => line.startsWith('> ')).map((line) => line.slice(2)),
    replies: lines.filter((line) => line.startsWith('< ')).map((line) => `${line.slice(2)}\n`),
  };
}

describe('docs/protocol.md', () => {
  const doc = read('docs/protocol.md');

  afterAll(async () => {
    LineClient.destroyAll();
    await PulseServer.killAll();
    await removeDataDirs();
  });

  it.each(Object.entries(REPLY))('quotes the %s reply byte for byte', (_name, reply) => {
    // In tables a `|` is written `\|`: compare with those undone.
    expect(doc.replace(/\\\|/g, '|')).toContain(`\`${reply.trimEnd()}\``);
  });

  it('shows examples the built server answers exactly so', async () => {
    const { commands, replies } = examples(doc);
    expect(commands.length).toBeGreaterThan(10);
    expect(replies).toHaveLength(commands.length);
    const server = await PulseServer.start({ dataDir: await freshDataDir() });
    const client = await LineClient.connect(server.port);
    expect(await client.pipeline(commands)).toEqual(replies);
  });

  it.each(['README.md', 'apps/client/README.md'])(
    '%s links to it, and to nothing outside the repository',
    (readme) => {
      const text = read(readme);
      const targets = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
        .map((match) => match[1])
        .filter((target) => !/^[a-z]+:/.test(target));
      expect(targets).toContainEqual(expect.stringMatching(/docs\/protocol\.md$/));
      for (const target of targets) {
        const path = resolve(root, dirname(readme), target);
        expect({ target, inside: path.startsWith(`${root}/`), exists: existsSync(path) }).toEqual({
          target,
          inside: true,
          exists: true,
        });
      }
    },
  );

  it('has the README use `nc -N` (netcat-openbsd waits for the idle timeout without it)', () => {
    // Shell lines (`$ nc ...`, `... | nc ...`), not prose that names netcat.
    const calls = read('README.md')
      .split('\n')
      .filter((line) => /^\$ (.*\| *)?nc /.test(line));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call).toMatch(/\bnc -N /);
  });
});
