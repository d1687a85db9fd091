import fc from 'fast-check';
import {
  isAggregateOp,
  parseAlertArgs,
  parseLogArgs,
  parseQueryArgs,
  splitTokens,
} from './command-parser';

const ms = (iso: string): number => Date.parse(iso);

describe('splitTokens', () => {
  it.each([
    ['LOG m 1', ['LOG', 'm', '1']],
    ['  LOG   m\t\t1  ', ['LOG', 'm', '1']],
    ['\tQUERY m AVG 60\t', ['QUERY', 'm', 'AVG', '60']],
    ['LOG \t m \t 1', ['LOG', 'm', '1']],
    ['', []],
    ['   ', []],
    ['\t \t', []],
    ['FOO', ['FOO']],
    ['a\u00a0b c', ['a\u00a0b', 'c']],
    ['a\vb', ['a\vb']],
    ['a\rb', ['a\rb']],
  ])('splits %j into %j', (line, tokens) => {
    expect(splitTokens(line)).toEqual(tokens);
  });

  it('agrees with a split on /[ \\t]+/ without empty ends', () => {
    const chars = fc.constantFrom(' ', '\t', 'a', 'B', '1', '.', '\u00a0', '\n');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 30 }), (line) => {
        expect(splitTokens(line)).toEqual(line.split(/[ \t]+/).filter((t) => t !== ''));
      }),
    );
  });
});

describe('parseLogArgs', () => {
  it.each([
    [['mi-metrica', '1'], { id: 'mi-metrica', value: 1 }],
    [['m', '-2.5'], { id: 'm', value: -2.5 }],
    [['m', '.5'], { id: 'm', value: 0.5 }],
    [['m', '5.'], { id: 'm', value: 5 }],
    [['m', '1e3'], { id: 'm', value: 1000 }],
    [['m', '2.5E-4'], { id: 'm', value: 0.00025 }],
    [['a:b.c-d_e', '0'], { id: 'a:b.c-d_e', value: 0 }],
    [['_x', '1.7976931348623157e308'], { id: '_x', value: 1.7976931348623157e308 }],
  ])('reads %j', (args, expected) => {
    expect(parseLogArgs(args)).toEqual(expected);
  });

  it.each([
    [[]],
    [['m']],
    [['m', '1', '2']],
    [['m', '1', 'extra']],
    [['m', 'NaN']],
    [['m', 'Infinity']],
    [['m', 'inf']],
    [['m', '0x10']],
    [['m', '1_000']],
    [['m', '1e309']],
    [['m', '']],
    [['m', 'abc']],
    [['', '1']],
    [['..', '1']],
    [['a/b', '1']],
    [['-x', '1']],
    [['x'.repeat(201), '1']],
    [['métrica', '1']],
  ])('rejects %j', (args) => {
    expect(parseLogArgs(args)).toBeUndefined();
  });
});

describe('parseQueryArgs', () => {
  it.each([
    [['m', 'AVG', '60'], { id: 'm', op: 'AVG', secs: 60 }],
    [['m', 'MAX', '0.5'], { id: 'm', op: 'MAX', secs: 0.5 }],
    [['m', 'MIN', '0'], { id: 'm', op: 'MIN', secs: 0 }],
    [['m', 'COUNT', '1e12'], { id: 'm', op: 'COUNT', secs: 1e12 }],
    [['m', 'COUNT', '1e-9'], { id: 'm', op: 'COUNT', secs: 1e-9 }],
    [
      ['m', 'COUNT', '1', '2022-04-26'],
      { id: 'm', op: 'COUNT', secs: 1, from: ms('2022-04-26T00:00:00Z') },
    ],
    [
      ['mi-metrica', 'COUNT', '1', '2022-04-26T00:00:00', '2022-04-26T00:00:05'],
      {
        id: 'mi-metrica',
        op: 'COUNT',
        secs: 1,
        from: ms('2022-04-26T00:00:00Z'),
        to: ms('2022-04-26T00:00:05Z'),
      },
    ],
    [
      ['m', 'AVG', '60', '2022-04-26T10:00+03:00', '2022-04-26T10:00:05.5Z'],
      {
        id: 'm',
        op: 'AVG',
        secs: 60,
        from: ms('2022-04-26T07:00:00Z'),
        to: ms('2022-04-26T10:00:05.500Z'),
      },
    ],
    [
      ['m', 'AVG', '60', '2022-04-26T10:00', '2022-04-26T10:00'],
      { id: 'm', op: 'AVG', secs: 60, from: ms('2022-04-26T10:00Z'), to: ms('2022-04-26T10:00Z') },
    ],
  ])('reads %j', (args, expected) => {
    expect(parseQueryArgs(args, 'UTC')).toEqual(expected);
  });

  it('reads zone-less dates in the configured zone', () => {
    expect(parseQueryArgs(['m', 'AVG', '60', '2022-04-26T10:00'], 'Europe/Madrid')).toEqual({
      id: 'm',
      op: 'AVG',
      secs: 60,
      from: ms('2022-04-26T08:00:00Z'),
    });
  });

  it('reads -0 seconds as 0', () => {
    expect(Object.is(parseQueryArgs(['m', 'AVG', '-0'], 'UTC')?.secs, 0)).toBe(true);
  });

  it.each([
    [[]],
    [['m']],
    [['m', 'AVG']],
    [['m', 'AVG', '60', '2022-04-26', '2022-04-27', 'extra']],
    [['m', 'avg', '60']],
    [['m', 'Avg', '60']],
    [['m', 'SUM', '60']],
    [['m', 'MEAN', '60']],
    [['m', 'AVG', '-1']],
    [['m', 'AVG', '-0.5']],
    [['m', 'AVG', 'NaN']],
    [['m', 'AVG', 'inf']],
    [['m', 'AVG', 'Infinity']],
    [['m', 'AVG', '1e309']],
    [['m', 'AVG', 'sixty']],
    [['m', 'AVG', '60s']],
    [['m', 'AVG', '']],
    [['../m', 'AVG', '60']],
    [['m', 'AVG', '60', 'yesterday']],
    [['m', 'AVG', '60', '2022-02-30']],
    [['m', 'AVG', '60', '2022-13-45']],
    [['m', 'AVG', '60', '2022-04-26', '2022-04-26T24:00']],
    [['m', 'AVG', '60', '2022-04-27', '2022-04-26']],
    [['m', 'AVG', '60', '2022-04-26T10:00:01', '2022-04-26T10:00']],
    [['m', 'AVG', '60', '2022-04-26T10:00Z', '2022-04-26T10:00+01:00']],
  ])('rejects %j', (args) => {
    expect(parseQueryArgs(args, 'UTC')).toBeUndefined();
  });

  it('rejects zone-less dates when the zone is unknown', () => {
    expect(parseQueryArgs(['m', 'AVG', '60', '2022-04-26'], 'Nowhere/City')).toBeUndefined();
  });
});

describe('parseAlertArgs', () => {
  it.each([
    [['mi-metrica', 'MIN', '1', '1'], { id: 'mi-metrica', op: 'MIN', secs: 1, limit: 1 }],
    [['m', 'AVG', '0.5', '-2.5'], { id: 'm', op: 'AVG', secs: 0.5, limit: -2.5 }],
    [['m', 'COUNT', '0', '1e3'], { id: 'm', op: 'COUNT', secs: 0, limit: 1000 }],
    [['m', 'MAX', '60', '.5'], { id: 'm', op: 'MAX', secs: 60, limit: 0.5 }],
  ])('reads %j', (args, expected) => {
    expect(parseAlertArgs(args)).toEqual(expected);
  });

  it.each([
    [[]],
    [['m', 'MIN', '1']],
    [['m', 'MIN', '1', '1', '1']],
    [['m', 'min', '1', '1']],
    [['m', 'SUM', '1', '1']],
    [['m', 'MIN', '-1', '1']],
    [['m', 'MIN', 'inf', '1']],
    [['m', 'MIN', '1', 'NaN']],
    [['m', 'MIN', '1', 'Infinity']],
    [['m', 'MIN', '1', '0x10']],
    [['m', 'MIN', '1', '1_000']],
    [['m', 'MIN', '1', '1e309']],
    [['/abs', 'MIN', '1', '1']],
    [['m', 'MIN', '1', '2022-04-26']],
  ])('rejects %j', (args) => {
    expect(parseAlertArgs(args)).toBeUndefined();
  });
});

describe('isAggregateOp', () => {
  it('knows exactly the four operations, case-sensitively', () => {
    for (const op of ['AVG', 'MAX', 'MIN', 'COUNT']) expect(isAggregateOp(op)).toBe(true);
    for (const op of ['avg', 'Max', 'SUM', '', 'COUNT ', 'LOG'])
      expect(isAggregateOp(op)).toBe(false);
  });
});

describe('the parsers on arbitrary input', () => {
  const token = fc.oneof(
    fc.string(),
    fc.constantFrom('m', 'AVG', 'MIN', 'COUNT', '60', '-1', '1e309', 'NaN', '2022-04-26', '..'),
    fc.string({ unit: fc.constantFrom(...'0123456789.eE+-:TZ aA_/'), maxLength: 24 }),
  );
  const args = fc.array(token, { maxLength: 7 });

  it('never throw: they return arguments or undefined', () => {
    fc.assert(
      fc.property(args, (tokens) => {
        const log = parseLogArgs(tokens);
        const query = parseQueryArgs(tokens, 'Europe/Madrid');
        const alert = parseAlertArgs(tokens);
        if (log) expect(Number.isFinite(log.value)).toBe(true);
        if (query) {
          expect(query.secs).toBeGreaterThanOrEqual(0);
          if (query.to !== undefined) expect(query.from).toBeLessThanOrEqual(query.to);
        }
        if (alert) expect(Number.isFinite(alert.limit) && alert.secs >= 0).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throw on the tokens of an arbitrary line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (line) => {
        const tokens = splitTokens(line);
        for (const t of tokens) expect(t).not.toMatch(/[ \t]/);
        parseLogArgs(tokens.slice(1));
        parseQueryArgs(tokens.slice(1), 'UTC');
        parseAlertArgs(tokens.slice(1));
      }),
    );
  });
});
