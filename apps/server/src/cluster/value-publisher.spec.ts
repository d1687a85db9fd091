import type { JetStreamClient } from '@nats-io/jetstream';
import { decodeWalRecord } from '@app/persistence';
import { partitionOf } from './partition-of';
import { ValuePublisher } from './value-publisher';

interface Published {
  subject: string;
  payload: Uint8Array;
  msgID: string;
}

/** A JetStream client that records publishes and fails the first `failures` of them. */
function recordingJetStream(failures = 0): { js: JetStreamClient; published: Published[] } {
  const published: Published[] = [];
  let toFail = failures;
  const js = {
    publish: async (subject: string, payload: Uint8Array, options: { msgID: string }) => {
      published.push({ subject, payload, msgID: options.msgID });
      if (toFail-- > 0) throw new Error('no responders');
      return { seq: published.length, duplicate: false };
    },
  } as unknown as JetStreamClient;
  return { js, published };
}

const decode = (payload: Uint8Array) =>
  decodeWalRecord(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), 0)!.batch;

describe('ValuePublisher', () => {
  const clock = { now: () => 1_700_000_000_000 };

  it('sends one message per partition with exactly the values of that partition, stamped once', async () => {
    const { js, published } = recordingJetStream();
    const publisher = new ValuePublisher(js, 4, clock, 'node-a');
    const ids = ['cpu', 'mem', 'cpu', 'disk', 'net', 'mem'];
    const values = [1, 2, 3, 4, 5, 6];
    expect(await publisher.publish(ids, values)).toEqual(ids.map(() => true));

    const partitions = new Set(ids.map((id) => partitionOf(id, 4)));
    expect(published.map((p) => p.subject).sort()).toEqual(
      [...partitions].map((p) => `pulse.values.${p}`).sort(),
    );
    const received: Array<[string, number]> = [];
    for (const { subject, payload } of published) {
      const batch = decode(payload);
      batch.idIndex.forEach((at, k) => {
        const id = batch.ids[at];
        expect(`pulse.values.${partitionOf(id, 4)}`).toBe(subject);
        expect(batch.stamps[k]).toBe(clock.now());
        received.push([id, batch.values[k]]);
      });
    }
    // Every value once, and in its order within each metric.
    expect(received.sort()).toEqual(ids.map((id, i): [string, number] => [id, values[i]]).sort());
    expect(new Set(published.map((p) => p.msgID)).size).toBe(published.length);
  });

  it('retries a failed publish with the same message id, so JetStream stores it once', async () => {
    const { js, published } = recordingJetStream(2);
    const publisher = new ValuePublisher(js, 4, clock, 'node-a');
    expect(await publisher.publish(['cpu'], [1])).toEqual([true]);
    expect(published).toHaveLength(3);
    expect(new Set(published.map((p) => p.msgID)).size).toBe(1);
  });

  it('answers false for the values of a partition whose publish never succeeds by the deadline', async () => {
    const { js } = recordingJetStream(Infinity);
    let now = 0;
    // Each read of the clock moves it 1 s on: the 5 s deadline passes after a few tries.
    const movingClock = { now: () => (now += 1000) };
    const publisher = new ValuePublisher(js, 4, movingClock, 'node-a');
    expect(await publisher.publish(['cpu', 'cpu'], [1, 2])).toEqual([false, false]);
  });
});
