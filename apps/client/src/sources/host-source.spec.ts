import { HostMetricSource, HostStats } from './host-source';

const cpu = (user: number, idle: number) => ({ times: { user, nice: 0, sys: 0, idle, irq: 0 } });

describe('HostMetricSource', () => {
  it('logs load average, free memory in MiB and CPU usage in turn', () => {
    let cpus = [cpu(100, 900), cpu(300, 700)];
    const stats: HostStats = {
      loadavg: () => [1.25, 1, 0.5],
      freemem: () => 512 * 1024 * 1024,
      cpus: () => cpus,
    };
    const source = new HostMetricSource('web-1', stats);
    expect(source.ids).toEqual(['web-1.load1', 'web-1.free_mem_mib', 'web-1.cpu_pct']);
    expect(source.next()).toEqual({ id: 'web-1.load1', value: 1.25 });
    expect(source.next()).toEqual({ id: 'web-1.free_mem_mib', value: 512 });
    // First reading: since boot, 400 busy of 2000.
    expect(source.next()).toEqual({ id: 'web-1.cpu_pct', value: 20 });
    // Then between readings: +300 busy, +100 idle.
    cpus = [cpu(250, 950), cpu(450, 750)];
    source.next();
    source.next();
    expect(source.next()).toEqual({ id: 'web-1.cpu_pct', value: 75 });
  });

  it('reports 0 % when no CPU time passed between readings', () => {
    const stats: HostStats = { loadavg: () => [0], freemem: () => 0, cpus: () => [cpu(1, 1)] };
    const source = new HostMetricSource('h', stats);
    for (let i = 0; i < 3; i += 1) source.next();
    for (let i = 0; i < 2; i += 1) source.next();
    expect(source.next().value).toBe(0);
  });

  it('reads the real host through node:os by default', () => {
    const source = new HostMetricSource('h');
    for (let i = 0; i < 3; i += 1) expect(Number.isFinite(source.next().value)).toBe(true);
  });
});
