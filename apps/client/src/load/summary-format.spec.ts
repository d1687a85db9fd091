import { emptyStats } from './load-stats';
import { ackRate, formatSummary } from './summary-format';

describe('formatSummary', () => {
  it('prints every counter and the rate with one decimal, in a fixed order', () => {
    const stats = { ...emptyStats(), sent: 1200, acked: 1198, busy: 2, reconnects: 3 };
    expect(formatSummary(stats, 39.94)).toBe(
      'sent=1200 acked=1198 busy=2 errors=0 lost=0 inflight=0 rate=39.9/s',
    );
  });

  it('shows in-flight and lost LOGs', () => {
    const stats = { ...emptyStats(), sent: 10, acked: 5, errors: 1, lost: 3, inflight: 1 };
    expect(formatSummary(stats, 0)).toBe(
      'sent=10 acked=5 busy=0 errors=1 lost=3 inflight=1 rate=0.0/s',
    );
  });
});

describe('ackRate', () => {
  it('is acknowledgements per second', () => {
    expect(ackRate(200, 5000)).toBe(40);
    expect(ackRate(1, 250)).toBe(4);
  });

  it('is 0 over an empty interval', () => {
    expect(ackRate(5, 0)).toBe(0);
  });
});
