import { cpus, freemem, loadavg } from 'node:os';
import { MetricSource, Sample } from './metric-source';

/** The parts of `node:os` the source reads; injected so specs use fixed figures. */
export interface HostStats {
  loadavg(): number[];
  freemem(): number;
  cpus(): { times: { user: number; nice: number; sys: number; idle: number; irq: number } }[];
}

export const nodeHostStats: HostStats = { loadavg, freemem, cpus };

const MIB = 1024 * 1024;

/** Busy and total CPU time over all cores since boot, in ms. */
function cpuTimes(stats: HostStats): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of stats.cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/**
 * The host's own statistics, as the original course client sent them: one-minute load average,
 * free memory in MiB and CPU usage in percent, the three ids `<prefix>.load1`,
 * `<prefix>.free_mem_mib` and `<prefix>.cpu_pct` taken in turn. CPU usage is measured between
 * two readings (since boot for the first one): the OS only gives cumulative times.
 */
export class HostMetricSource implements MetricSource {
  private readonly readers: { id: string; read: () => number }[];
  private turn = 0;
  private lastCpu: { busy: number; total: number } = { busy: 0, total: 0 };

  constructor(prefix: string, stats: HostStats = nodeHostStats) {
    this.readers = [
      { id: `${prefix}.load1`, read: () => stats.loadavg()[0] },
      { id: `${prefix}.free_mem_mib`, read: () => stats.freemem() / MIB },
      { id: `${prefix}.cpu_pct`, read: () => this.cpuPercent(stats) },
    ];
  }

  /** The ids this source logs, for messages and help. */
  get ids(): string[] {
    return this.readers.map((reader) => reader.id);
  }

  next(): Sample {
    const { id, read } = this.readers[this.turn];
    this.turn = (this.turn + 1) % this.readers.length;
    return { id, value: read() };
  }

  private cpuPercent(stats: HostStats): number {
    const now = cpuTimes(stats);
    const busy = now.busy - this.lastCpu.busy;
    const total = now.total - this.lastCpu.total;
    this.lastCpu = now;
    return total > 0 ? (100 * busy) / total : 0;
  }
}
