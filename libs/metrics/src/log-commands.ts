import { Replies, parseLogArgs } from '@app/protocol';

/** LOG commands split into the values to store and the replies already known (usage errors). */
export interface LogCommands {
  /** One entry per command: the usage reply, or undefined where the value is to be stored. */
  replies: Array<string | undefined>;
  ids: string[];
  values: number[];
  /** For each stored value, the index of its command. */
  commands: number[];
}

export function splitLogCommands(commands: readonly (readonly string[])[]): LogCommands {
  const split: LogCommands = {
    replies: new Array(commands.length),
    ids: [],
    values: [],
    commands: [],
  };
  for (let i = 0; i < commands.length; i++) {
    const args = parseLogArgs(commands[i]);
    if (args) {
      split.ids.push(args.id);
      split.values.push(args.value);
      split.commands.push(i);
    } else {
      split.replies[i] = Replies.logUsage;
    }
  }
  return split;
}
