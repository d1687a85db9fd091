import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from './config-error';

/**
 * Reads the file named by PULSE_CONFIG: YAML (`.yaml`/`.yml`) or `.env` lines. A file that does
 * not parse is a ConfigError naming the file and the line, never a half-read configuration.
 */
export function readConfigFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`PULSE_CONFIG: cannot read ${path}: ${(error as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  return ext === '.yaml' || ext === '.yml' ? parseYamlFile(path, text) : parseEnvFile(path, text);
}

function parseYamlFile(path: string, text: string): Record<string, string> {
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error) {
    const line = error.linePos?.[0];
    const where = line ? `line ${line.line}, column ${line.col}` : 'somewhere';
    const what = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`PULSE_CONFIG ${path}: not valid YAML at ${where}: ${what}`);
  }
  const parsed: unknown = document.toJS();
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`PULSE_CONFIG ${path} must hold a mapping of PULSE_* settings`);
  }
  // YAML numbers and strings alike are validated as if they came from the environment.
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

/** `NAME=value` or `NAME: value`, optionally after `export` (what dotenv reads). */
const ENV_LINE = /^\s*(?:export\s+)?[\w.-]+(?:\s*=|:\s)\s*(.*)$/;
const IGNORED_LINE = /^\s*(?:#.*)?$/;

/**
 * dotenv skips every line it does not understand, so a typo would silently drop a setting.
 * Each line must be blank, a comment or a setting; a quoted value may span lines until its
 * closing quote.
 */
function parseEnvFile(path: string, text: string): Record<string, string> {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (IGNORED_LINE.test(lines[i])) continue;
    const setting = ENV_LINE.exec(lines[i]);
    if (!setting) {
      throw new ConfigError(
        `PULSE_CONFIG ${path}: line ${i + 1} is not NAME=value: ${JSON.stringify(lines[i])}`,
      );
    }
    i = endOfQuotedValue(path, lines, i, setting[1]);
  }
  return parseDotenv(text);
}

/** The index of the line that closes a value opened by a quote on line `start`. */
function endOfQuotedValue(path: string, lines: string[], start: number, value: string): number {
  const quote = value[0];
  if (quote !== '"' && quote !== "'" && quote !== '`') return start;
  if (value.indexOf(quote, 1) > 0) return start;
  for (let i = start + 1; i < lines.length; i++) if (lines[i].includes(quote)) return i;
  throw new ConfigError(`PULSE_CONFIG ${path}: line ${start + 1} opens a ${quote} it never closes`);
}
