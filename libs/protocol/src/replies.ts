/**
 * Every reply text of PROTOCOL.md, in one place (the fastify errors-catalogue idea): clients and
 * scripts match these bytes, so no reply string may be typed anywhere else in the code base.
 * Texts are without the trailing newline; the transport adds it.
 */
export const Replies = {
  metricInserted: '201 Metric Inserted',
  alertRegistered: '200 Alert Registered',
  metricNotFound: '404 Metric Not Found',
  busy: '503 The server is busy, try again later',
  internalError: '500 Internal Server Error',
  lineTooLong: '400 Bad Request -- line too long',
  unknownCommand: "400 Bad Request -- Available commands: ['LOG', 'QUERY', 'NEW-ALERT']",
  logUsage: '400 Bad Request -- LOG <id:str> <value:float>',
  queryUsage:
    '400 Bad Request -- QUERY <id:str> <op:AVG|MAX|MIN|COUNT> <secs:int> [from:iso_date] [to:iso_date]',
  alertUsage:
    '400 Bad Request -- NEW-ALERT <id:str> <op:AVG|MAX|MIN|COUNT> <secs:int> <limit:float>',
} as const;

export type Reply = (typeof Replies)[keyof typeof Replies];

/** The command words the server answers; anything else gets `Replies.unknownCommand`. */
export const COMMAND_VERBS = ['LOG', 'QUERY', 'NEW-ALERT'] as const;

export type CommandVerb = (typeof COMMAND_VERBS)[number];

/** A successful QUERY: `200 [a, b, ...]` (`200 []` when nothing was selected). */
export function queryResult(items: readonly string[]): string {
  return `200 [${items.join(', ')}]`;
}
