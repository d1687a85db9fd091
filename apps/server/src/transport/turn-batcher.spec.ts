import { Replies } from '@app/protocol';
import { ReplyReceiver } from './line-route';
import { TurnBatcher } from './turn-batcher';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const to = (onReplies: (replies: readonly string[]) => void): ReplyReceiver => ({ onReplies });
const unreported = (error: unknown) => {
  throw error;
};

describe('TurnBatcher', () => {
  it('makes one handler call per event-loop turn and hands each run its own replies', async () => {
    const calls: string[][][] = [];
    const batcher = new TurnBatcher(async (commands) => {
      calls.push(commands);
      return commands.map((c) => `ok ${c.join(' ')}`);
    }, unreported);
    const got: (readonly string[])[] = [];
    batcher.submit(
      [['a', '1']],
      to((r) => (got[0] = r)),
    );
    batcher.submit(
      [
        ['b', '2'],
        ['c', '3'],
      ],
      to((r) => (got[1] = r)),
    );
    batcher.submit(
      [['d', '4']],
      to((r) => (got[2] = r)),
    );
    expect(calls).toHaveLength(0); // nothing runs before the turn's I/O is done
    await nextTurn();
    await nextTurn();
    expect(calls).toEqual([
      [
        ['a', '1'],
        ['b', '2'],
        ['c', '3'],
        ['d', '4'],
      ],
    ]);
    expect(got).toEqual([['ok a 1'], ['ok b 2', 'ok c 3'], ['ok d 4']]);
  });

  it('starts a new batch for runs submitted after the turn ran', async () => {
    const sizes: number[] = [];
    const batcher = new TurnBatcher(async (commands) => {
      sizes.push(commands.length);
      return commands.map(() => 'ok');
    }, unreported);
    batcher.submit(
      [['a']],
      to(() => undefined),
    );
    await nextTurn();
    batcher.submit(
      [['b'], ['c']],
      to(() => undefined),
    );
    await nextTurn();
    await nextTurn();
    expect(sizes).toEqual([1, 2]);
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('disk on fire'))],
    ['returns too few replies', () => Promise.resolve(['201 only one'])],
    ['returns something else', () => Promise.resolve('201')],
  ])('answers every run of a batch whose handler %s with 500', async (_, runner) => {
    const batcher = new TurnBatcher(runner, unreported);
    const got: (readonly string[])[] = [];
    batcher.submit(
      [['a'], ['b']],
      to((r) => got.push(r)),
    );
    batcher.submit(
      [['c']],
      to((r) => got.push(r)),
    );
    await nextTurn();
    await nextTurn();
    expect(got).toEqual([[Replies.internalError, Replies.internalError], [Replies.internalError]]);
  });

  it('answers the other runs when one receiver throws, and reports it', async () => {
    const reported: unknown[] = [];
    const batcher = new TurnBatcher(
      async (commands) => commands.map(() => 'ok'),
      (error) => reported.push(error),
    );
    const got: (readonly string[])[] = [];
    batcher.submit(
      [['a']],
      to(() => {
        throw new Error('bug');
      }),
    );
    batcher.submit(
      [['b']],
      to((r) => got.push(r)),
    );
    await nextTurn();
    await nextTurn();
    expect(got).toEqual([['ok']]);
    expect(reported).toEqual([new Error('bug')]);
  });
});
