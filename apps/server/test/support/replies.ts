/**
 * Every reply line of PROTOCOL.md, byte for byte, including the '\n' that ends it. Tests compare
 * whole lines against these; they are typed here once, from the contract, not from the server.
 */
export const REPLY = {
  inserted: '201 Metric Inserted\n',
  alertRegistered: '200 Alert Registered\n',
  notFound: '404 Metric Not Found\n',
  unknownCommand: "400 Bad Request -- Available commands: ['LOG', 'QUERY', 'NEW-ALERT']\n",
  logUsage: '400 Bad Request -- LOG <id:str> <value:float>\n',
  queryUsage:
    '400 Bad Request -- QUERY <id:str> <op:AVG|MAX|MIN|COUNT> <secs:int> [from:iso_date] [to:iso_date]\n',
  alertUsage:
    '400 Bad Request -- NEW-ALERT <id:str> <op:AVG|MAX|MIN|COUNT> <secs:int> <limit:float>\n',
  lineTooLong: '400 Bad Request -- line too long\n',
  busy: '503 The server is busy, try again later\n',
  internalError: '500 Internal Server Error\n',
} as const;

/** `200 [a, b, ...]\n` for already formatted aggregates. */
export function results(...aggregates: string[]): string {
  return `200 [${aggregates.join(', ')}]\n`;
}

/** Parses a `200 [...]` reply into numbers; throws on any other reply. */
export function parseResults(reply: string): number[] {
  const match = /^200 \[(.*)\]\n$/.exec(reply);
  if (!match) throw new Error(`not a QUERY result: ${JSON.stringify(reply)}`);
  return match[1] === '' ? [] : match[1].split(', ').map(Number);
}

/** A metric id no other test uses, so tests sharing a server never see each other's values. */
let counter = 0;
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/**
 * The first reply that differs from the expected one, described with its command, or undefined
 * when all match. Keeps the failure readable when thousands of replies are compared.
 */
export function firstMismatch(
  commands: string[],
  expected: string[],
  got: string[],
): string | undefined {
  const length = Math.max(expected.length, got.length);
  for (let index = 0; index < length; index += 1) {
    if (expected[index] !== got[index]) {
      return (
        `reply #${index} to ${JSON.stringify(commands[index])}: ` +
        `expected ${JSON.stringify(expected[index])}, got ${JSON.stringify(got[index])}`
      );
    }
  }
  return undefined;
}
