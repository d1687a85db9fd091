import { Logger } from '@nestjs/common';
import { Replies } from '@app/protocol';
import { HandlerRoute } from './handler-route';
import { ReplyReceiver } from './line-route';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('HandlerRoute', () => {
  const log = new Logger('test');
  beforeAll(() => Logger.overrideLogger(false));

  /** A route whose handler records the size of each call and answers `ok` to each command. */
  function route(extras: object | undefined) {
    const calls: number[] = [];
    const made = new HandlerRoute(
      'LOG',
      extras,
      async (commands) => {
        calls.push(commands.length);
        return commands.map(() => 'ok');
      },
      log,
    );
    return { made, calls };
  }

  const collect = (into: (readonly string[])[]): ReplyReceiver => ({
    onReplies: (replies) => into.push(replies),
  });

  it('batches the runs of one turn into one call when its extras say batched', async () => {
    const { made, calls } = route({ batched: true, writeOnly: true });
    const got: (readonly string[])[] = [];
    made.execute([['a', '1']], collect(got));
    made.execute(
      [
        ['b', '2'],
        ['c', '3'],
      ],
      collect(got),
    );
    await nextTurn();
    await nextTurn();
    expect(calls).toEqual([3]);
    expect(got).toEqual([['ok'], ['ok', 'ok']]);
    expect(made.writeOnly).toBe(true);
  });

  it('calls the handler once per run, later, without extras', async () => {
    const { made, calls } = route(undefined);
    const got: (readonly string[])[] = [];
    made.execute([['a', '1']], collect(got));
    made.execute([['b', '2']], collect(got));
    expect(got).toEqual([]); // never during execute
    await nextTurn();
    expect(calls).toEqual([1, 1]);
    expect(made.writeOnly).toBe(false);
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('bug');
      },
    ],
    ['rejects', () => Promise.reject(new Error('EIO'))],
    ['returns the wrong number of replies', () => Promise.resolve(['one'])],
  ])('gives 500 for each command when the handler %s', async (_, call) => {
    for (const extras of [{ batched: true }, {}]) {
      const made = new HandlerRoute('LOG', extras, call as () => Promise<unknown>, log);
      const got: (readonly string[])[] = [];
      made.execute([['a'], ['b']], collect(got));
      await nextTurn();
      await nextTurn();
      expect(got).toEqual([[Replies.internalError, Replies.internalError]]);
    }
  });
});
