import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { COMMAND_VERBS, Replies, queryResult } from './replies';

/** PROTOCOL.md, when the shared folder is mounted next to the repository (skipped otherwise). */
function readProtocol(): string | undefined {
  try {
    return readFileSync(resolve(process.cwd(), '../shared/PROTOCOL.md'), 'utf8');
  } catch {
    return undefined;
  }
}

describe('Replies', () => {
  // The literal texts of PROTOCOL.md, copied by hand: a change here is a protocol change.
  it.each([
    ['metricInserted', '201 Metric Inserted'],
    ['alertRegistered', '200 Alert Registered'],
    ['metricNotFound', '404 Metric Not Found'],
    ['busy', '503 The server is busy, try again later'],
    ['internalError', '500 Internal Server Error'],
    ['lineTooLong', '400 Bad Request -- line too long'],
    ['unknownCommand', "400 Bad Request -- Available commands: ['LOG', 'QUERY', 'NEW-ALERT']"],
    ['logUsage', '400 Bad Request -- LOG <id:str> <value:float>'],
    [
      'queryUsage',
      '400 Bad Request -- QUERY <id:str> <op:AVG|MAX|MIN|COUNT> <secs:int> [from:iso_date] [to:iso_date]',
    ],
    [
      'alertUsage',
      '400 Bad Request -- NEW-ALERT <id:str> <op:AVG|MAX|MIN|COUNT> <secs:int> <limit:float>',
    ],
  ] as const)('%s is %j', (key, text) => {
    expect(Replies[key]).toBe(text);
  });

  it('has no reply ending in a newline or carriage return', () => {
    for (const text of Object.values(Replies)) expect(text).not.toMatch(/[\r\n]/);
  });

  it('has exactly the replies listed above', () => {
    expect(Object.keys(Replies).sort()).toEqual(
      [
        'alertRegistered',
        'alertUsage',
        'busy',
        'internalError',
        'lineTooLong',
        'logUsage',
        'metricInserted',
        'metricNotFound',
        'queryUsage',
        'unknownCommand',
      ].sort(),
    );
  });

  const protocol = readProtocol();
  (protocol ? it : it.skip)('finds every reply literally in PROTOCOL.md', () => {
    // The Markdown table escapes `|` as `\|`; the wire text has a plain `|`.
    const text = (protocol as string).replaceAll('\\|', '|');
    for (const reply of Object.values(Replies)) expect(text).toContain(`\`${reply}\``);
  });
});

describe('COMMAND_VERBS', () => {
  it('lists the verbs in the order of the unknown-command reply', () => {
    expect(COMMAND_VERBS).toEqual(['LOG', 'QUERY', 'NEW-ALERT']);
    const listed = COMMAND_VERBS.map((verb) => `'${verb}'`).join(', ');
    expect(Replies.unknownCommand).toBe(`400 Bad Request -- Available commands: [${listed}]`);
  });
});

describe('queryResult', () => {
  it.each([
    [[], '200 []'],
    [['1.0'], '200 [1.0]'],
    [['1.0', '2.5', '3'], '200 [1.0, 2.5, 3]'],
  ])('formats %j as %j', (items, text) => {
    expect(queryResult(items)).toBe(text);
  });
});
