import { crc32 } from 'node:zlib';
import { isStoredRule, ruleKey } from './alert-rule';
import type { StoredAlertRule } from './alert-rule';

/**
 * Records of alerts/rules.log, one a line: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. The JSON
 * is one of
 *   {"rule":{...}}        a rule registered, with its checkpoint (also what a snapshot is made of)
 *   {"removed":"<key>"}   the rule with this ruleKey was removed
 *   {"checkpoints":[...]} one check moved these rules' checkpoints (groups of one instant and state)
 * Replayed in order, they give the rules and checkpoints (a record of a rule that is not there is
 * ignored). A line without its `\n`, or whose checksum or JSON fails, is not a record: the write
 * that held it did not complete (or the file was damaged).
 */

/** Rules one check moved to the same checkpoint and state. */
export interface CheckpointGroup {
  checkedUpTo: number;
  firing: boolean;
  keys: string[];
}

export type RulesLogRecord =
  { rule: StoredAlertRule } | { removed: string } | { checkpoints: CheckpointGroup[] };

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CRC_DIGITS = 8;

const hex = (n: number): string => n.toString(16).padStart(CRC_DIGITS, '0');

export function encodeRecord(record: RulesLogRecord): string {
  const json = 'rule' in record ? `{"rule":${ruleJson(record.rule)}}` : JSON.stringify(record);
  return `${hex(crc32(json))} ${json}\n`;
}

/**
 * What JSON.stringify makes of a rule, field by field: one runs per registered rule, and
 * stringifying the frozen object takes ~15 times longer (3.3 us against 0.2 us). Its numbers are
 * finite (validated), which print the same in a template as in JSON.
 */
function ruleJson(r: StoredAlertRule): string {
  return (
    `{"id":${JSON.stringify(r.id)},"op":${JSON.stringify(r.op)},"secs":${r.secs},` +
    `"limit":${r.limit},"registeredAt":${r.registeredAt},"checkedUpTo":${r.checkedUpTo},` +
    `"firing":${r.firing}}`
  );
}

/** The log of these rules alone: what compaction and migration write. */
export function encodeSnapshot(rules: Iterable<StoredAlertRule>): Buffer {
  const lines: string[] = [];
  for (const rule of rules) lines.push(encodeRecord({ rule }));
  return Buffer.from(lines.join(''));
}

export interface DecodedRulesLog {
  records: RulesLogRecord[];
  /** Where the last valid record ends: what follows is a torn tail. */
  validEnd: number;
  /** Offsets of lines before validEnd that are not records (damage, not a torn write). */
  damaged: number[];
}

export function decodeRulesLog(file: Buffer): DecodedRulesLog {
  const decoded: DecodedRulesLog = { records: [], validEnd: 0, damaged: [] };
  const bad: number[] = [];
  for (let at = 0; at < file.length;) {
    const end = file.indexOf(NEWLINE, at);
    if (end === -1) break; // the last line never got its newline
    const record = decodeLine(file, at, end);
    if (record) {
      decoded.records.push(record);
      decoded.validEnd = end + 1;
    } else bad.push(at);
    at = end + 1;
  }
  decoded.damaged = bad.filter((at) => at < decoded.validEnd);
  return decoded;
}

function decodeLine(file: Buffer, start: number, end: number): RulesLogRecord | undefined {
  if (end - start <= CRC_DIGITS + 1 || file[start + CRC_DIGITS] !== SPACE) return undefined;
  const crc = file.toString('latin1', start, start + CRC_DIGITS);
  const json = file.subarray(start + CRC_DIGITS + 1, end);
  if (!/^[0-9a-f]{8}$/.test(crc) || parseInt(crc, 16) !== crc32(json)) return undefined;
  try {
    const record = JSON.parse(json.toString('utf8')) as unknown;
    return isRecord(record) ? record : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(r: unknown): r is RulesLogRecord {
  if (typeof r !== 'object' || r === null) return false;
  if ('rule' in r) return isStoredRule(r.rule);
  if ('removed' in r) return typeof r.removed === 'string';
  if ('checkpoints' in r) return Array.isArray(r.checkpoints) && r.checkpoints.every(isGroup);
  return false;
}

function isGroup(g: unknown): g is CheckpointGroup {
  const group = g as CheckpointGroup;
  return (
    typeof group === 'object' &&
    group !== null &&
    Number.isFinite(group.checkedUpTo) &&
    typeof group.firing === 'boolean' &&
    Array.isArray(group.keys) &&
    group.keys.every((key) => typeof key === 'string')
  );
}

/** Applies one record to the rules (by ruleKey), as the store applied the change it records. */
export function applyRecord(rules: Map<string, StoredAlertRule>, record: RulesLogRecord): void {
  if ('rule' in record) rules.set(ruleKey(record.rule), record.rule);
  else if ('removed' in record) rules.delete(record.removed);
  else {
    for (const { checkedUpTo, firing, keys } of record.checkpoints) {
      for (const key of keys) {
        const rule = rules.get(key);
        if (rule) rules.set(key, { ...rule, checkedUpTo, firing });
      }
    }
  }
}
