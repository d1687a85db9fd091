/**
 * Every reply of PROTOCOL.md, byte for byte, over real TCP against the built server.
 * One server for the file; each test gets its own connection and its own metric ids.
 * npm run test:docker runs this file against the containerized server too (protocol-target.ts).
 */
import { isoDateTime } from './support/iso-date';
import { LineClient } from './support/line-client';
import { startProtocolTarget, type ProtocolTarget } from './support/protocol-target';
import { parseResults, REPLY, results, uniqueId } from './support/replies';
import { PulseServer, removeDataDirs, withServerOutput } from './support/spawn-server';

describe('protocol (PROTOCOL.md replies over TCP)', () => {
  let server: ProtocolTarget;
  let client: LineClient;
  /** A metric that exists (logged once), so usage errors are not confused with 404. */
  const existing = uniqueId('existing');
  const logged = <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) =>
    withServerOutput(() => [server], fn);

  beforeAll(async () => {
    server = await startProtocolTarget();
    const setup = await LineClient.connect(server.port);
    expect(await setup.request(`LOG ${existing} 1`)).toBe(REPLY.inserted);
    setup.destroy();
  });

  beforeEach(async () => {
    client = await LineClient.connect(server.port);
  });

  afterEach(() => LineClient.destroyAll());

  afterAll(async () => {
    LineClient.destroyAll();
    if (server) await server.stop();
    await PulseServer.killAll();
    await removeDataDirs();
  });

  it(
    'answers the PROTOCOL.md examples session in order',
    logged(async () => {
      expect(await client.request('LOG mi-metrica 1')).toBe(REPLY.inserted);
      expect(await client.request('QUERY mi-metrica MIN 1')).toBe('200 [1.0]\n');
      expect(
        await client.request('QUERY mi-metrica COUNT 1 2022-04-26T00:00:00 2022-04-26T00:00:05'),
      ).toBe('200 []\n');
      expect(await client.request('NEW-ALERT mi-metrica MIN 1 1')).toBe(REPLY.alertRegistered);
      expect(await client.request('QUERY foo COUNT 1')).toBe(REPLY.notFound);
      expect(await client.request('FOO')).toBe(REPLY.unknownCommand);
    }),
  );

  describe('LOG', () => {
    it.each([
      ['an integer', '7'],
      ['a negative fraction', '-2.5'],
      ['a leading dot', '.5'],
      ['a trailing dot', '5.'],
      ['an explicit plus sign', '+7'],
      ['an exponent', '1e3'],
      ['an upper-case negative exponent', '2.5E-4'],
      ['the largest finite magnitude', '1.7976931348623157e308'],
    ])(
      'stores %s (%s) with `201 Metric Inserted`',
      logged(async (_label: string, value: string) => {
        expect(await client.request(`LOG ${uniqueId('log-ok')} ${value}`)).toBe(REPLY.inserted);
      }),
    );

    it.each([
      ['a 200-character id', 'a'.repeat(200)],
      ['an id starting with _', '_under'],
      ['an id starting with a digit', '9lives'],
      ['every allowed character', 'Az09_.:-x'],
    ])(
      'accepts %s',
      logged(async (_label: string, id: string) => {
        expect(await client.request(`LOG ${id} 1`)).toBe(REPLY.inserted);
      }),
    );

    it.each([
      ['no arguments', 'LOG'],
      ['no value', 'LOG m'],
      ['an extra token', 'LOG m 1 2'],
      ['NaN', 'LOG m NaN'],
      ['nan', 'LOG m nan'],
      ['inf', 'LOG m inf'],
      ['-inf', 'LOG m -inf'],
      ['Infinity', 'LOG m Infinity'],
      ['hex 0x10', 'LOG m 0x10'],
      ['underscores 1_000', 'LOG m 1_000'],
      ['overflow 1e309', 'LOG m 1e309'],
      ['negative overflow -1e309', 'LOG m -1e309'],
      ['a comma decimal', 'LOG m 1,5'],
      ['a bare exponent', 'LOG m e5'],
      ['a dangling exponent', 'LOG m 1e'],
      ['a lone dot', 'LOG m .'],
      ['a lone sign', 'LOG m -'],
      ['two dots', 'LOG m 1..2'],
      ['a trailing letter', 'LOG m 1.5f'],
      ['id ..', 'LOG .. 1'],
      ['id a/b', 'LOG a/b 1'],
      ['id ../escape', 'LOG ../escape 1'],
      ['id with a backslash', 'LOG a\\b 1'],
      ['id starting with -', 'LOG -a 1'],
      ['id starting with .', 'LOG .a 1'],
      ['id with @', 'LOG a@b 1'],
      ['id with a non-ASCII letter', 'LOG caf\u00e9 1'],
      ['a 201-character id', `LOG ${'a'.repeat(201)} 1`],
    ])(
      'answers %s with the LOG usage',
      logged(async (_label: string, command: string) => {
        expect(await client.request(command)).toBe(REPLY.logUsage);
      }),
    );
  });

  describe('QUERY', () => {
    it(
      'computes COUNT, AVG, MIN, MAX and per-value MIN over one wide window',
      logged(async () => {
        const id = uniqueId('m');
        for (const value of ['1', '2', '4']) {
          expect(await client.request(`LOG ${id} ${value}`)).toBe(REPLY.inserted);
        }
        expect(await client.request(`QUERY ${id} COUNT 1000000`)).toBe('200 [3]\n');
        expect(await client.request(`QUERY ${id} AVG 1000000`)).toBe('200 [2.3333333333333335]\n');
        expect(await client.request(`QUERY ${id} MIN 1000000`)).toBe('200 [1.0]\n');
        expect(await client.request(`QUERY ${id} MAX 1000000`)).toBe('200 [4.0]\n');
        expect(await client.request(`QUERY ${id} MIN 0`)).toBe('200 [1.0, 2.0, 4.0]\n');
        expect(await client.request(`QUERY ${id} COUNT 0`)).toBe('200 [1, 1, 1]\n');
      }),
    );

    it(
      'accepts a fractional window length and loses no value across windows',
      logged(async () => {
        const id = uniqueId('half');
        const replies = await client.pipeline([
          `LOG ${id} 1`,
          `LOG ${id} 2`,
          `LOG ${id} 3`,
          `QUERY ${id} COUNT 0.5`,
        ]);
        expect(replies.slice(0, 3)).toEqual([REPLY.inserted, REPLY.inserted, REPLY.inserted]);
        const counts = parseResults(replies[3]);
        expect(counts.reduce((sum, count) => sum + count, 0)).toBe(3);
      }),
    );

    it(
      'averages 0.1, 0.2 and 0.3 to exactly 0.2 (statistics.mean, not a plain sum)',
      logged(async () => {
        const id = uniqueId('avg');
        await client.pipeline([`LOG ${id} 0.1`, `LOG ${id} 0.2`, `LOG ${id} 0.3`]);
        expect(await client.request(`QUERY ${id} AVG 1000000`)).toBe('200 [0.2]\n');
      }),
    );

    it(
      'averages 1e16, 1 and -1e16 exactly to 1/3 (no absorbed addend)',
      logged(async () => {
        const id = uniqueId('avg-exact');
        await client.pipeline([`LOG ${id} 1e16`, `LOG ${id} 1`, `LOG ${id} -1e16`]);
        expect(await client.request(`QUERY ${id} AVG 1000000`)).toBe('200 [0.3333333333333333]\n');
      }),
    );

    it(
      "prints floats the way Python's repr does",
      logged(async () => {
        const id = uniqueId('fmt');
        const cases: Array<[string, string]> = [
          ['1e-05', '1e-05'],
          ['1e16', '1e+16'],
          ['1000000000000000', '1000000000000000.0'],
          ['9999999999999998', '9999999999999998.0'],
          ['-2', '-2.0'],
          ['0.0001', '0.0001'],
          ['0.5', '0.5'],
          ['1', '1.0'],
          ['2.5E-4', '0.00025'],
          ['123456.789', '123456.789'],
          ['1e22', '1e+22'],
          ['1.5e300', '1.5e+300'],
          ['0.1', '0.1'],
          ['0.30000000000000004', '0.30000000000000004'],
          ['5.', '5.0'],
          ['.5', '0.5'],
        ];
        const replies = await client.pipeline(cases.map(([value]) => `LOG ${id} ${value}`));
        expect(replies).toEqual(cases.map(() => REPLY.inserted));
        expect(await client.request(`QUERY ${id} MIN 0`)).toBe(
          results(...cases.map(([, printed]) => printed)),
        );
        expect(await client.request(`QUERY ${id} MAX 1000000`)).toBe('200 [1.5e+300]\n');
      }),
    );

    it(
      'keeps ids that differ only in case apart',
      logged(async () => {
        const id = uniqueId('cpu');
        const upper = `C${id.slice(1)}`;
        expect(await client.request(`LOG ${upper} 1`)).toBe(REPLY.inserted);
        expect(await client.request(`LOG ${id} 2`)).toBe(REPLY.inserted);
        expect(await client.request(`LOG ${id} 3`)).toBe(REPLY.inserted);
        expect(await client.request(`QUERY ${upper} MIN 0`)).toBe('200 [1.0]\n');
        expect(await client.request(`QUERY ${id} MIN 0`)).toBe('200 [2.0, 3.0]\n');
      }),
    );

    it(
      'returns `200 []` for a 2022 range on an existing metric, in every accepted date form',
      logged(async () => {
        const ranges = [
          '2022-04-26 2022-04-27',
          '2022-04-26T10:00 2022-04-26T11:00',
          '2022-04-26T10:00:05 2022-04-26T10:00:06',
          '2022-04-26T10:00:05.123 2022-04-26T10:00:06.5',
          '2022-04-26T10:00:05Z 2022-04-26T10:00:06Z',
          '2022-04-26T10:00:05+03:00 2022-04-26T10:00:06+03:00',
          '2022-04-26T10:00:05-0300 2022-04-26T10:00:06-0300',
          '2022-04-26T10:00:05.123+03:00 2022-04-26T10:00:06.999-03:00',
          '2022-04-26 2022-04-26',
        ];
        for (const range of ranges) {
          expect([range, await client.request(`QUERY ${existing} COUNT 1 ${range}`)]).toEqual([
            range,
            '200 []\n',
          ]);
        }
      }),
    );

    it(
      'counts everything from a past `from` when `to` is omitted',
      logged(async () => {
        const id = uniqueId('from');
        await client.pipeline([`LOG ${id} 1`, `LOG ${id} 2`, `LOG ${id} 3`]);
        expect(await client.request(`QUERY ${id} COUNT 1000000000 2020-01-01`)).toBe('200 [3]\n');
        expect(await client.request(`QUERY ${id} COUNT 1000000000 2020-01-01T00:00:00Z`)).toBe(
          '200 [3]\n',
        );
      }),
    );

    it(
      'returns `200 []` when `to` is in the past',
      logged(async () => {
        const id = uniqueId('past');
        await client.pipeline([`LOG ${id} 1`, `LOG ${id} 2`]);
        expect(await client.request(`QUERY ${id} COUNT 1 2020-01-01 2021-01-01`)).toBe('200 []\n');
        const aMinuteAgo = isoDateTime(Date.now() - 60000, 'Z');
        expect(await client.request(`QUERY ${id} MIN 0 2020-01-01 ${aMinuteAgo}`)).toBe('200 []\n');
      }),
    );

    it(
      'honours zone offsets in `from` and `to` (a range around now in +03:00 and -0300)',
      logged(async () => {
        const id = uniqueId('zones');
        await client.pipeline([`LOG ${id} 1`, `LOG ${id} 2`]);
        const now = Date.now();
        const from = isoDateTime(now - 60000, 'colon', 180);
        const to = isoDateTime(now + 60000, 'compact', -180);
        expect(await client.request(`QUERY ${id} MIN 0 ${from} ${to}`)).toBe('200 [1.0, 2.0]\n');
        const fromUtc = isoDateTime(now - 60000, 'none');
        const toUtc = isoDateTime(now + 60000, 'none');
        expect(await client.request(`QUERY ${id} MIN 0 ${fromUtc} ${toUtc}`)).toBe(
          '200 [1.0, 2.0]\n',
        );
        const hourAgoFrom = isoDateTime(now - 3600000 - 60000, 'colon', 180);
        const hourAgoTo = isoDateTime(now - 3600000 + 60000, 'colon', 180);
        expect(await client.request(`QUERY ${id} MIN 0 ${hourAgoFrom} ${hourAgoTo}`)).toBe(
          '200 []\n',
        );
      }),
    );

    it.each([
      ['no arguments', 'QUERY'],
      ['only an id', 'QUERY {id}'],
      ['no secs', 'QUERY {id} AVG'],
      ['an extra token', 'QUERY {id} AVG 1 2022-04-26 2022-04-27 extra'],
      ['the lower-case op avg', 'QUERY {id} avg 1'],
      ['the mixed-case op Avg', 'QUERY {id} Avg 1'],
      ['the unknown op SUM', 'QUERY {id} SUM 1'],
      ['negative secs', 'QUERY {id} AVG -1'],
      ['non-numeric secs', 'QUERY {id} AVG abc'],
      ['NaN secs', 'QUERY {id} AVG NaN'],
      ['inf secs', 'QUERY {id} AVG inf'],
      ['overflowing secs', 'QUERY {id} AVG 1e309'],
      ['hex secs', 'QUERY {id} AVG 0x10'],
      ['the impossible date 2022-02-30', 'QUERY {id} AVG 1 2022-02-30'],
      ['month 13', 'QUERY {id} AVG 1 2022-13-01'],
      ['a word as date', 'QUERY {id} AVG 1 yesterday'],
      ['an impossible `to`', 'QUERY {id} AVG 1 2022-04-26 2022-02-30'],
      ['from after to', 'QUERY {id} AVG 1 2022-04-27 2022-04-26'],
      ['from after to by a second', 'QUERY {id} AVG 1 2022-04-26T10:00:05 2022-04-26T10:00:04'],
      ['id ..', 'QUERY .. AVG 1'],
      ['id a/b', 'QUERY a/b AVG 1'],
      ['a 201-character id', `QUERY ${'q'.repeat(201)} AVG 1`],
    ])(
      'answers %s with the QUERY usage (existing metric)',
      logged(async (_label: string, template: string) => {
        expect(await client.request(template.replace('{id}', existing))).toBe(REPLY.queryUsage);
      }),
    );

    it.each([
      'QUERY never-logged avg 1',
      'QUERY never-logged AVG -1',
      'QUERY never-logged AVG 1 2022-02-30',
      'QUERY never-logged AVG 1 2022-04-27 2022-04-26',
      'QUERY never-logged COUNT',
    ])(
      'validates arguments before looking the metric up: %s gets the usage',
      logged(async (command: string) => {
        expect(await client.request(command)).toBe(REPLY.queryUsage);
      }),
    );

    it.each([
      'QUERY never-logged COUNT 1',
      'QUERY never-logged AVG 0 2022-04-26 2022-04-27',
      `QUERY E${existing.slice(1)} COUNT 1`,
    ])(
      'answers %s with `404 Metric Not Found`',
      logged(async (command: string) => {
        expect(await client.request(command)).toBe(REPLY.notFound);
      }),
    );
  });

  describe('NEW-ALERT', () => {
    it(
      'registers a rule, and registering it again is not an error',
      logged(async () => {
        const id = uniqueId('alert');
        expect(await client.request(`LOG ${id} 1`)).toBe(REPLY.inserted);
        expect(await client.request(`NEW-ALERT ${id} MIN 1 1`)).toBe(REPLY.alertRegistered);
        expect(await client.request(`NEW-ALERT ${id} MIN 1 1`)).toBe(REPLY.alertRegistered);
        expect(await client.request(`NEW-ALERT ${id} AVG 0.5 -2.5`)).toBe(REPLY.alertRegistered);
        expect(await client.request(`NEW-ALERT ${id} COUNT 60 1e3`)).toBe(REPLY.alertRegistered);
        expect(await client.request(`NEW-ALERT ${id} MAX 0 .5`)).toBe(REPLY.alertRegistered);
        expect(await client.request(`NEW-ALERT\t${id}  MAX \t60\t10`)).toBe(REPLY.alertRegistered);
      }),
    );

    it(
      'answers a well-formed rule on a never-logged metric with `404 Metric Not Found`',
      logged(async () => {
        expect(await client.request('NEW-ALERT never-logged MIN 1 1')).toBe(REPLY.notFound);
      }),
    );

    it.each([
      ['no arguments', 'NEW-ALERT'],
      ['only an id', 'NEW-ALERT {id}'],
      ['no secs', 'NEW-ALERT {id} MIN'],
      ['no limit', 'NEW-ALERT {id} MIN 1'],
      ['an extra token', 'NEW-ALERT {id} MIN 1 1 extra'],
      ['the lower-case op min', 'NEW-ALERT {id} min 1 1'],
      ['the unknown op avg', 'NEW-ALERT {id} avg 1 1'],
      ['negative secs', 'NEW-ALERT {id} MIN -1 1'],
      ['non-numeric secs', 'NEW-ALERT {id} MIN abc 1'],
      ['NaN limit', 'NEW-ALERT {id} MIN 1 NaN'],
      ['inf limit', 'NEW-ALERT {id} MIN 1 inf'],
      ['hex limit', 'NEW-ALERT {id} MIN 1 0x10'],
      ['underscore limit', 'NEW-ALERT {id} MIN 1 1_000'],
      ['overflowing limit', 'NEW-ALERT {id} MIN 1 1e309'],
      ['id ..', 'NEW-ALERT .. MIN 1 1'],
      ['id a/b', 'NEW-ALERT a/b MIN 1 1'],
      ['a 201-character id', `NEW-ALERT ${'n'.repeat(201)} MIN 1 1`],
    ])(
      'answers %s with the NEW-ALERT usage (existing metric)',
      logged(async (_label: string, template: string) => {
        expect(await client.request(template.replace('{id}', existing))).toBe(REPLY.alertUsage);
      }),
    );

    it(
      'validates arguments before looking the metric up',
      logged(async () => {
        expect(await client.request('NEW-ALERT never-logged MIN 1 NaN')).toBe(REPLY.alertUsage);
        expect(await client.request('NEW-ALERT never-logged MIN -1 1')).toBe(REPLY.alertUsage);
      }),
    );
  });

  describe('unknown commands', () => {
    it.each([
      ['FOO', 'FOO'],
      ['FOO with arguments', 'FOO bar 1'],
      ['lower-case log', 'log a 1'],
      ['capitalised Log', 'Log a 1'],
      ['lower-case query', 'query a COUNT 1'],
      ['"LOG" in quotes', '"LOG" a 1'],
      ['"QUERY" in quotes', '"QUERY" a COUNT 1'],
      ['a JSON pattern', '{"cmd":"LOG"} a 1'],
      ['LOGX', 'LOGX a 1'],
      ['NEW_ALERT', 'NEW_ALERT a MIN 1 1'],
      ['an empty line', ''],
      ['a blank line', '   '],
      ['a tab-only line', '\t'],
    ])(
      'answers %s with the available commands',
      logged(async (_label: string, command: string) => {
        expect(await client.request(command)).toBe(REPLY.unknownCommand);
      }),
    );

    it.each([
      ['0xff 0xfe', [0xff, 0xfe]],
      ['a truncated UTF-8 sequence in a LOG value', [...Buffer.from('LOG m 1'), 0xc3]],
      ['an invalid byte in a LOG id', [...Buffer.from('LOG m'), 0xff, ...Buffer.from(' 1')]],
      ['an overlong encoding of /', [...Buffer.from('LOG a'), 0xc0, 0xaf, ...Buffer.from('b 1')]],
      ['a lone continuation byte as command', [0x80]],
    ])(
      'answers invalid UTF-8 (%s) with the available commands, then serves the next line',
      logged(async (_label: string, bytes: number[]) => {
        await client.write(Buffer.from([...bytes, 0x0a]));
        expect(await client.nextLine()).toBe(REPLY.unknownCommand);
        expect(await client.request(`LOG ${uniqueId('after-bad-utf8')} 1`)).toBe(REPLY.inserted);
      }),
    );
  });

  describe('token separators and line endings', () => {
    it(
      'accepts tabs and runs of spaces between tokens',
      logged(async () => {
        const id = uniqueId('ws');
        expect(await client.request(`LOG\t${id}\t1`)).toBe(REPLY.inserted);
        expect(await client.request(`LOG   ${id}     2`)).toBe(REPLY.inserted);
        expect(await client.request(`LOG \t ${id}\t \t3`)).toBe(REPLY.inserted);
        expect(await client.request(`QUERY\t\t${id}  COUNT \t 1000000`)).toBe('200 [3]\n');
        expect(await client.request(`QUERY ${id}\tMIN\t0   2020-01-01\t 2099-01-01`)).toBe(
          '200 [1.0, 2.0, 3.0]\n',
        );
      }),
    );

    it(
      'accepts CRLF line endings',
      logged(async () => {
        const id = uniqueId('crlf');
        await client.write(`LOG ${id} 1\r\nLOG ${id} 2.5\r\n`);
        expect(await client.nextLines(2)).toEqual([REPLY.inserted, REPLY.inserted]);
        await client.write(`QUERY ${id} COUNT 1000000\r\n`);
        expect(await client.nextLine()).toBe('200 [2]\n');
        await client.write(`QUERY ${id} MAX 1000000 2020-01-01\r\n`);
        expect(await client.nextLine()).toBe('200 [2.5]\n');
        await client.write('FOO\r\n\r\n');
        expect(await client.nextLines(2)).toEqual([REPLY.unknownCommand, REPLY.unknownCommand]);
        await client.write(`LOG ${id} NaN\r\n`);
        expect(await client.nextLine()).toBe(REPLY.logUsage);
      }),
    );
  });
});
