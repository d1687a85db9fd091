import { SAME_SIGNAL_WINDOW_MS, onStopSignals } from './stop-signals';

describe('onStopSignals', () => {
  let time: number;
  let stops: NodeJS.Signals[];
  let exits: number[];
  let remove: () => void;
  const stderrWrite = process.stderr.write.bind(process.stderr);
  let stderr: string;
  let before: NodeJS.SignalsListener[];

  beforeEach(() => {
    before = [...process.listeners('SIGTERM'), ...process.listeners('SIGINT')];
    time = 1000;
    stops = [];
    exits = [];
    stderr = '';
    process.stderr.write = ((text: string) => (stderr += text).length > 0) as typeof stderrWrite;
    remove = onStopSignals((signal) => stops.push(signal), {
      now: () => time,
      exit: (code) => exits.push(code),
    });
  });
  afterEach(() => {
    remove();
    process.stderr.write = stderrWrite;
    // Handlers stay once stopping (see below): take this test's ones off by hand.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      for (const listener of process.listeners(signal)) {
        if (!before.includes(listener)) process.off(signal, listener);
      }
    }
  });

  const deliver = (signal: NodeJS.Signals) => process.emit(signal, signal);

  it('stops gracefully on the first signal', () => {
    deliver('SIGTERM');
    expect(stops).toEqual(['SIGTERM']);
    expect(exits).toEqual([]);
  });

  it('counts a signal repeated within the window as the same one (GNU timeout sends two)', () => {
    deliver('SIGTERM');
    time += 1;
    deliver('SIGTERM');
    time += SAME_SIGNAL_WINDOW_MS - 1;
    deliver('SIGINT');
    expect(stops).toEqual(['SIGTERM']);
    expect(exits).toEqual([]);
    expect(stderr).toBe('');
  });

  it('exits 1 at once on a second signal after the window', () => {
    deliver('SIGINT');
    time += SAME_SIGNAL_WINDOW_MS + 1;
    deliver('SIGINT');
    expect(stops).toEqual(['SIGINT']);
    expect(exits).toEqual([1]);
    expect(stderr).toBe('second SIGINT: exiting without waiting\n');
  });

  it('keeps its handlers once stopping, so a late repeat does not kill the process', () => {
    deliver('SIGTERM');
    const count = process.listenerCount('SIGTERM');
    remove();
    expect(process.listenerCount('SIGTERM')).toBe(count);
    time += 10;
    deliver('SIGTERM');
    expect(exits).toEqual([]);
  });

  it('removes its handlers when no signal came', () => {
    const [term, int] = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
    remove();
    remove = () => undefined;
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual([
      term - 1,
      int - 1,
    ]);
  });
});
