/**
 * A metric id (PROTOCOL.md, Arguments): 1 to 200 of `A-Z a-z 0-9 _ . : -`, starting with a letter,
 * digit or `_`. No `/` and no leading `.` means an id can never name `..` or leave the data
 * directory, whatever the storage does with it. Precompiled: this runs on every LOG.
 */
const METRIC_ID = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}$/;

export const MAX_METRIC_ID_LENGTH = 200;

export function isValidMetricId(id: string): boolean {
  return METRIC_ID.test(id);
}
