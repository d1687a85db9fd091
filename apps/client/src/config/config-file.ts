import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * Reads the client's config file: a YAML or JSON object whose keys are the environment variable
 * names (`PULSE_SERVER_HOST: server`), so one name per setting works in all three places.
 * Scalars become the strings an environment variable would hold; a list (of ids) is joined
 * with commas. Throws with the file name on anything else.
 */
export function readConfigFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`config file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parse(text);
  } catch (error) {
    throw new Error(`config file ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (data === null || data === undefined) return new Map(); // an empty file
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new Error(`config file ${path}: expected a mapping of PULSE_* settings`);
  }
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(data)) {
    const text = asSettingText(value);
    if (text === undefined) {
      throw new Error(`config file ${path}: ${key}: expected a string, number or list`);
    }
    values.set(key, text);
  }
  return values;
}

function asSettingText(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object')) {
    return value.map(String).join(',');
  }
  return undefined;
}
