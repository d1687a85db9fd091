import { badRequest } from './api-errors';

/** A query parameter as one string (absent: undefined); a repeated one is a bad request. */
export function single(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} must be given once`);
  return value;
}

/** A page size: 1..max, `fallback` when absent. */
export function pageSize(value: unknown, fallback: number, max: number): number {
  const text = single(value, 'limit');
  if (text === undefined) return fallback;
  const n = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max)) throw badRequest(`limit must be an integer from 1 to ${max}`);
  return n;
}

/**
 * A time bound of /api/query as QUERY takes it: milliseconds since the epoch become an ISO date
 * (UTC, to the millisecond); anything else is passed on for QUERY's own parser to judge.
 */
export function timeBound(value: unknown, name: string): string | undefined {
  const text = single(value, name);
  if (text === undefined || !/^-?\d{1,16}$/.test(text)) return text;
  const date = new Date(Number(text));
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/** A listing cursor: the last id of the previous page, base64url (ids may hold any byte). */
export const encodeCursor = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');

export function decodeCursor(value: unknown): string | null {
  const text = single(value, 'cursor');
  if (text === undefined || text === '') return null;
  if (!/^[A-Za-z0-9_-]{1,2000}$/.test(text)) throw badRequest('cursor is not one this API gave');
  return Buffer.from(text, 'base64url').toString('utf8');
}
