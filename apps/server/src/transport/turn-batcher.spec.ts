import { Replies } from '@app/protocol';
import { TurnBatcher } from './turn-batcher';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnBatcher', () => {
  it('makes one handler call per event-loop turn and hands each run its own replies', async () => {
    const calls: string[][][] = [];
    const batcher = new TurnBatcher(async (commands) => {
      calls.push(commands);
      return commands.map((c) => `ok ${c.join(' ')}`);
    });
    const got: (readonly string[])[] = [];
    batcher.submit([['a', '1']], (r) => (got[0] = r));
    batcher.submit(
      [
        ['b', '2'],
        ['c', '3'],
      ],
      (r) => (got[1] = r),
    );
    batcher.submit([['d', '4']], (r) => (got[2] = r));
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
    });
    batcher.submit([['a']], () => undefined);
    await nextTurn();
    batcher.submit([['b'], ['c']], () => undefined);
    await nextTurn();
    await nextTurn();
    expect(sizes).toEqual([1, 2]);
  });

  it('answers every run of a failed batch with 500', async () => {
    const batcher = new TurnBatcher(() => Promise.reject(new Error('disk on fire')));
    const got: (readonly string[])[] = [];
    batcher.submit([['a'], ['b']], (r) => got.push(r));
    batcher.submit([['c']], (r) => got.push(r));
    await nextTurn();
    await nextTurn();
    expect(got).toEqual([[Replies.internalError, Replies.internalError], [Replies.internalError]]);
  });
});
