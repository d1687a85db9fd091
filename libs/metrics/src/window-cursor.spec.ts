import fc from 'fast-check';
import { WindowCursor } from './window-cursor';

const T0 = Date.UTC(2026, 0, 1);
const exactWindow = (stamp: number, start: number, ms: number) =>
  ms <= 1 ? stamp : Math.floor((stamp - start) / ms);

describe('WindowCursor', () => {
  it('agrees with floor((stamp - start) / length) for stamps in time order', () => {
    const setup = fc.record({
      ms: fc.oneof(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 20_000 }).map((n) => n / 7),
        fc.constantFrom(0.5, 1.1, 1.3, 1.5, 60_000, 3_600_000),
      ),
      start: fc.oneof(
        fc.integer({ min: -5000, max: 5000 }).map((d) => T0 + d),
        fc.integer({ min: -50_000, max: 50_000 }).map((d) => T0 + d / 10),
      ),
      gaps: fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 300 }),
    });
    fc.assert(
      fc.property(setup, ({ ms, start, gaps }) => {
        const cursor = new WindowCursor(ms, start);
        let stamp = Math.ceil(start);
        let window = NaN;
        for (const gap of gaps) {
          const next = stamp + gap;
          const w = exactWindow(stamp, start, ms);
          // Asked before moving, as the scanner asks about a summary before adding it.
          expect(cursor.together(stamp, next)).toBe(w === exactWindow(next, start, ms));
          expect(cursor.moveTo(stamp)).toBe(w !== window);
          expect(cursor.window).toBe(w);
          expect(cursor.holds(stamp)).toBe(true);
          window = w;
          stamp = next;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('takes the stamp as the window for windows of a millisecond or less', () => {
    const cursor = new WindowCursor(0.5, T0 + 0.25);
    expect(cursor.moveTo(T0 + 7)).toBe(true);
    expect(cursor.window).toBe(T0 + 7);
    expect(cursor.together(T0 + 7, T0 + 7)).toBe(true);
    expect(cursor.together(T0 + 8, T0 + 9)).toBe(false);
  });

  it('puts every stamp in one window when the length is beyond the safe integers', () => {
    const cursor = new WindowCursor(1e303, T0);
    cursor.moveTo(T0);
    expect(cursor.holds(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(cursor.together(T0, Number.MAX_SAFE_INTEGER)).toBe(true);
  });
});
