/**
 * Hostile arguments, each on its own connection: numbers (NaN, inf, 1e309, -0, hex, 1_000, .5,
 * very long digit strings), ids (path-like, 10 KB, unicode, case-only differences, Windows device
 * names) and dates (impossible days, 24:00, reversed ranges, years 0 and 9999, tiny and huge
 * windows). After each, the server still answers LOG and QUERY correctly.
 */
import { LineClient } from '../support/line-client';
import { parseResults, REPLY, uniqueId } from '../support/replies';
import {
  freshDataDir,
  PulseServer,
  removeDataDirs,
  withServerOutput,
} from '../support/spawn-server';
import { BAD_IDS, ODD_IDS } from './hostile-ids';

/** Long enough for a 10 KB id to reach the id check instead of the line limit. */
const MAX_LINE_BYTES = 16384;

describe('hostile arguments', () => {
  let server: PulseServer | undefined;
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) =>
    withServerOutput(() => [server], fn);

  /** One fresh connection per request: every hostile command on its own connection. */
  async function ask(line: string, timeoutMs = 5000): Promise<string> {
    const client = await LineClient.connect(server!.port);
    try {
      return await client.request(line, timeoutMs);
    } finally {
      client.destroy();
    }
  }

  beforeAll(async () => {
    server = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_MAX_LINE_BYTES: String(MAX_LINE_BYTES) },
    });
  });

  afterEach(async () => {
    LineClient.destroyAll();
    if (!server || server.hasExited) throw new Error(`the server died\n${server?.tail()}`);
    const id = uniqueId('healthy');
    expect(await ask(`LOG ${id} 7`)).toBe(REPLY.inserted);
    expect(await ask(`QUERY ${id} MAX 1e9`)).toBe('200 [7.0]\n');
  });

  afterAll(async () => {
    LineClient.destroyAll();
    await server?.stop();
    await PulseServer.killAll();
    await removeDataDirs();
  });

  describe('numbers', () => {
    it.each([
      'NaN',
      'nan',
      '-NaN',
      'inf',
      '-inf',
      'Infinity',
      '-Infinity',
      '+Infinity',
      '1e309',
      '-1e309',
      '1.7976931348623159e308',
      '1' + '0'.repeat(309),
      '9'.repeat(400),
      '1e' + '9'.repeat(500),
      '0x10',
      '0X10',
      '0b1',
      '0o7',
      '1_000',
      '1,5',
      '1e',
      'e5',
      '.',
      '+',
      '-',
      '--1',
      '+-1',
      '1.2.3',
      '..5',
      '5..',
      '1e5.5',
      '\u0661\u0662',
      '\uff11',
    ])(
      'rejects LOG value %j with the usage (and NEW-ALERT limit, QUERY secs)',
      logged(async (token: string) => {
        const id = uniqueId('num-bad');
        expect(await ask(`LOG ${id} ${token}`)).toBe(REPLY.logUsage);
        expect(await ask(`QUERY ${id} COUNT 1e9`)).toBe(REPLY.notFound);
        expect(await ask(`LOG ${id} 1`)).toBe(REPLY.inserted);
        expect(await ask(`NEW-ALERT ${id} MAX 60 ${token}`)).toBe(REPLY.alertUsage);
        expect(await ask(`QUERY ${id} COUNT ${token}`)).toBe(REPLY.queryUsage);
      }),
    );

    it.each([
      ['-0', '-0.0'],
      ['+4', '4.0'],
      ['.5', '0.5'],
      ['5.', '5.0'],
      ['-.5', '-0.5'],
      ['+.5e1', '5.0'],
      ['1E3', '1000.0'],
      ['2.5E-4', '0.00025'],
      ['1e308', '1e+308'],
      ['-1e308', '-1e+308'],
      ['1.7976931348623157e308', '1.7976931348623157e+308'],
      ['4.9e-324', '5e-324'],
      ['1e-400', '0.0'],
      ['-1e-400', '-0.0'],
      ['1' + '0'.repeat(308), '1e+308'],
      ['9'.repeat(308), '1e+308'],
      ['0'.repeat(900) + '7', '7.0'],
      ['1e-' + '9'.repeat(500), '0.0'],
      ['0e' + '9'.repeat(500), '0.0'],
    ])(
      'stores LOG value %j and lists it as %s',
      logged(async (token: string, printed: string) => {
        const id = uniqueId('num-ok');
        const started = Date.now();
        expect(await ask(`LOG ${id} ${token}`)).toBe(REPLY.inserted);
        expect(await ask(`QUERY ${id} MIN 0`)).toBe(`200 [${printed}]\n`);
        expect(Date.now() - started).toBeLessThan(2000);
      }),
    );

    // PROTOCOL.md sets no length on a decimal; the line limit (here 16 KiB) bounds it.
    it.each([
      ['3,001 digits: 3,000 leading zeros then 7', '0'.repeat(3000) + '7', '7.0'],
      ['a fraction with 3,000 zeros, underflowing to 0', '0.' + '0'.repeat(3000) + '1', '0.0'],
      ['12,000 digits of a value below 1', '0.' + '3'.repeat(12000), '0.3333333333333333'],
    ])(
      'stores a very long digit string (%s) within the line limit',
      logged(async (_name: string, token: string, printed: string) => {
        const id = uniqueId('num-long');
        const started = Date.now();
        expect(await ask(`LOG ${id} ${token}`)).toBe(REPLY.inserted);
        expect(await ask(`QUERY ${id} MIN 0`)).toBe(`200 [${printed}]\n`);
        expect(Date.now() - started).toBeLessThan(2000);
      }),
    );
  });

  describe('ids', () => {
    it.each(BAD_IDS)(
      'rejects the id %j (%s) in LOG, QUERY and NEW-ALERT',
      logged(async (bad: string) => {
        expect(await ask(`LOG ${bad} 1`)).toBe(REPLY.logUsage);
        expect(await ask(`QUERY ${bad} COUNT 1`)).toBe(REPLY.queryUsage);
        expect(await ask(`NEW-ALERT ${bad} MAX 60 1`)).toBe(REPLY.alertUsage);
      }),
    );

    it(
      'keeps odd but valid ids (device names, case-only differences, 200 chars) as distinct metrics',
      logged(async () => {
        const replies = await Promise.all(ODD_IDS.map((id, i) => ask(`LOG ${id} ${i + 1}`)));
        expect(replies).toEqual(ODD_IDS.map(() => REPLY.inserted));
        const listings = await Promise.all(ODD_IDS.map((id) => ask(`QUERY ${id} MIN 0`)));
        expect(listings).toEqual(ODD_IDS.map((_, i) => `200 [${i + 1}.0]\n`));
        expect(await ask(`NEW-ALERT con MAX 60 100`)).toBe(REPLY.alertRegistered);
        expect(await ask(`QUERY Con COUNT 1e9`)).toBe(REPLY.notFound);
      }),
    );
  });

  describe('dates and windows', () => {
    const id = uniqueId('dates');
    const values = [3, 1, 2];

    beforeAll(async () => {
      const client = await LineClient.connect(server!.port);
      expect(await client.pipeline(values.map((v) => `LOG ${id} ${v}`))).toEqual(
        values.map(() => REPLY.inserted),
      );
      client.destroy();
    });

    it.each([
      '2022-13-45',
      '2022-00-10',
      '2022-02-30',
      '2022-02-29',
      '2022-04-31',
      '2022-04-26T24:00',
      '2022-04-26T24:00:00',
      '2022-04-26T23:60',
      '2022-04-26T23:59:60',
      '2022-04-26T10:00+24:00',
      '20220426',
      '2022-4-26',
      '22-04-26',
      '-001-01-01',
      '10000-01-01',
      '2022-04-26t10:00',
      'now',
      '0',
    ])(
      'rejects the QUERY date %j as from and as to with the usage',
      logged(async (date: string) => {
        expect(await ask(`QUERY ${id} COUNT 1 ${date}`)).toBe(REPLY.queryUsage);
        expect(await ask(`QUERY ${id} COUNT 1 2022-04-26 ${date}`)).toBe(REPLY.queryUsage);
      }),
    );

    it.each([
      ['2022-04-27', '2022-04-26'],
      ['2022-04-26T10:00:00.001', '2022-04-26T10:00'],
      ['2022-04-26T10:00+01:00', '2022-04-26T08:59Z'],
      ['9999-12-31', '0000-01-01'],
    ])(
      'rejects from %j after to %j with the usage',
      logged(async (from: string, to: string) => {
        expect(await ask(`QUERY ${id} COUNT 1 ${from} ${to}`)).toBe(REPLY.queryUsage);
      }),
    );

    it.each(['-1', '-0.5', '-1e-9', 'NaN', 'inf', '1e309', '0x10', '1_0'])(
      'rejects secs %j with the usage',
      logged(async (secs: string) => {
        expect(await ask(`QUERY ${id} COUNT ${secs}`)).toBe(REPLY.queryUsage);
        expect(await ask(`NEW-ALERT ${id} COUNT ${secs} 1`)).toBe(REPLY.alertUsage);
      }),
    );

    it.each([
      ['COUNT 1e9 0000-01-01 9999-12-31T23:59:59.999', 3],
      ['COUNT 1 0000-01-01 9999-12-31', 3],
      ['COUNT 1e12', 3],
      ['COUNT 1e12 0000-01-01T00:00Z', 3],
      ['COUNT 1e-9 0000-01-01 9999-12-31', 3],
      ['COUNT 1e-300 0000-01-01 9999-12-31', 3],
      ['COUNT 0.001 0000-01-01', 3],
      ['COUNT 0 0000-01-01 9999-12-31', 3],
      ['COUNT -0', 3],
      ['COUNT 1 0000-01-01 0000-01-02', 0],
      ['COUNT 1e-9 9999-12-31', 0],
      ['COUNT 1 2024-02-29 2024-02-29', 0],
    ])(
      'answers QUERY %s quickly, with only non-empty windows (total %d)',
      logged(async (rest: string, total: number) => {
        const started = Date.now();
        const reply = await ask(`QUERY ${id} ${rest}`, 3000);
        const elapsed = Date.now() - started;
        const counts = parseResults(reply);
        expect(counts.every((count) => count > 0)).toBe(true);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
        expect(elapsed).toBeLessThan(2000);
      }),
    );

    it(
      'answers MIN and MAX over a tiny window and a 10,000-year range with the stored values',
      logged(async () => {
        const range = '0000-01-01 9999-12-31T23:59:59.999Z';
        const mins = parseResults(await ask(`QUERY ${id} MIN 1e-9 ${range}`));
        const maxes = parseResults(await ask(`QUERY ${id} MAX 1e-9 ${range}`));
        expect(Math.min(...mins)).toBe(1);
        expect(Math.max(...maxes)).toBe(3);
        expect(await ask(`QUERY ${id} MIN 0 ${range}`)).toBe('200 [3.0, 1.0, 2.0]\n');
      }),
    );
  });
});
