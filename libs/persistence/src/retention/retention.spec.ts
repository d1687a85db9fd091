/**
 * Retention as queries see it (RetentionPolicy through FileManager.scan and hasMetric), with an
 * injected clock: the boundary value, ranges before it, a metric forgotten a retention period
 * after its values went out, storage's own '#' metrics, and a restart with a shorter retention.
 */
import { Logger } from '@nestjs/common';
import type { FileManager } from '../file-manager.service';
import { FileManagerFixture } from '../testing/file-manager-fixture';
import { Collector } from '../testing/scan-collectors';
import type { ManualClock } from '../testing/scan-collectors';
import { RetentionPolicy } from './retention-policy';

const HOUR = 3_600_000;

describe('retention', () => {
  const fixture = new FileManagerFixture('retention');
  const start = (retentionMs: number, flushValues = 1_000_000) =>
    fixture.start({ flushValues, retention: new RetentionPolicy(retentionMs) });
  const stop = (fm: FileManager) => fixture.stop(fm);
  let clock: ManualClock;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    await fixture.setUp();
    clock = fixture.clock;
  });
  afterEach(() => fixture.tearDown());

  async function logAt(fm: FileManager, id: string, stamps: number[]): Promise<void> {
    for (const stamp of stamps) {
      clock.t = stamp;
      await fm.append([id], [stamp % 1000]);
    }
  }

  async function stampsOf(fm: FileManager, id: string, from = -Infinity, to = Infinity) {
    const c = new Collector();
    const found = await fm.scan(id, from, to, c);
    return found ? c.stamps : 'not found';
  }

  it('selects a value stamped exactly now minus the retention, and not one a millisecond older', async () => {
    const fm = await start(HOUR);
    const t0 = clock.t;
    await logAt(fm, 'cpu', [t0, t0 + 1, t0 + 2]);
    clock.t = t0 + 1 + HOUR;
    expect(await stampsOf(fm, 'cpu')).toEqual([t0 + 1, t0 + 2]);
    clock.t = t0 + 3 + HOUR;
    expect(await stampsOf(fm, 'cpu')).toEqual([]);
  });

  it('answers an empty selection for a range that lies before the boundary', async () => {
    const fm = await start(HOUR);
    const t0 = clock.t;
    await logAt(fm, 'cpu', [t0, t0 + 10 * 60_000, t0 + 50 * 60_000]);
    clock.t = t0 + HOUR + 20 * 60_000;
    expect(await stampsOf(fm, 'cpu', t0, t0 + 15 * 60_000)).toEqual([]);
    expect(await stampsOf(fm, 'cpu', t0, Infinity)).toEqual([t0 + 50 * 60_000]);
  });

  it('keeps a metric whose values are gone (200 []) until a whole retention period later', async () => {
    const fm = await start(HOUR);
    const t0 = clock.t;
    await logAt(fm, 'cpu', [t0]);
    clock.t = t0 + HOUR + 1;
    expect(fm.hasMetric('cpu')).toBe(true);
    expect(await stampsOf(fm, 'cpu')).toEqual([]);
    clock.t = t0 + 2 * HOUR;
    expect(fm.hasMetric('cpu')).toBe(true);
    clock.t = t0 + 2 * HOUR + 1;
    expect(fm.hasMetric('cpu')).toBe(false);
    expect(await stampsOf(fm, 'cpu')).toBe('not found');
  });

  it("never drops storage's own '#' metrics", async () => {
    const fm = await start(HOUR);
    const t0 = clock.t;
    await logAt(fm, '#applied.3', [t0]);
    clock.t = t0 + 100 * HOUR;
    expect(fm.hasMetric('#applied.3')).toBe(true);
    expect(await stampsOf(fm, '#applied.3')).toEqual([t0]);
  });

  it('applies a shorter retention after a restart, to values in blocks and in the WAL', async () => {
    let fm = await start(0, 1000);
    const t0 = clock.t;
    const stamps = Array.from({ length: 1500 }, (_, i) => t0 + i * 60_000); // 25 h, 1/min
    await logAt(fm, 'cpu', stamps);
    await stop(fm);
    fm = await start(HOUR);
    const kept = await stampsOf(fm, 'cpu');
    expect(kept).toEqual(stamps.filter((s) => s >= clock.t - HOUR));
    expect(kept).toHaveLength(61);
  });
});
