import { Command } from 'commander';

/** Settings that only the environment or a flag can give (a config file naming itself). */
const NOT_IN_FILE = new Set(['PULSE_CLIENT_CONFIG']);

/** Every environment variable an option of `program` or of its commands reads. */
export function settingNames(program: Command): Set<string> {
  const names = new Set<string>();
  for (const command of [program, ...program.commands]) {
    for (const option of command.options) if (option.envVar) names.add(option.envVar);
  }
  for (const name of NOT_IN_FILE) names.delete(name);
  return names;
}

/**
 * Gives the config file's values to the options of `commands` that neither a flag nor an
 * environment variable set (commander has already applied those), which makes the order
 * flags > environment > file > defaults. Values go through each option's parser, so a bad value
 * in the file is reported like a bad flag. A key no option reads is an error: a typo must not be
 * silently ignored.
 */
export function applyConfigFile(
  file: string,
  values: Map<string, string>,
  program: Command,
  commands: readonly Command[],
): void {
  const known = settingNames(program);
  for (const key of values.keys()) {
    if (!known.has(key)) {
      throw new Error(
        `config file ${file}: unknown setting ${key} (known: ${[...known].join(', ')})`,
      );
    }
  }
  for (const command of commands) {
    for (const option of command.options) {
      const raw = option.envVar === undefined ? undefined : values.get(option.envVar);
      if (raw === undefined) continue;
      const key = option.attributeName();
      const source = command.getOptionValueSource(key);
      if (source !== undefined && source !== 'default') continue;
      let value: unknown = raw;
      try {
        if (option.parseArg) value = option.parseArg(raw, undefined);
      } catch (error) {
        throw new Error(`config file ${file}: ${option.envVar}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      command.setOptionValueWithSource(key, value, 'config');
    }
  }
}
