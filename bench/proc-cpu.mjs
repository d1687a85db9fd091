// proc-cpu.mjs - CPU time of processes from /proc/<pid>/stat (user + system, all threads), for the
// CPU-per-value figures of the `cluster` scenario.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Seconds of CPU (utime + stime) process `pid` used so far; NaN once it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from its closing one
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // fields 14 and 15
  } catch {
    return NaN;
  }
}

/** A sample of the CPU seconds of each group of processes: { group: seconds }. */
export function cpuSample(groups) {
  const out = {};
  for (const [group, procs] of Object.entries(groups))
    out[group] = procs.reduce((sum, p) => sum + (p ? cpuSeconds(p.pid) : 0), 0);
  return out;
}

/** CPU seconds per group between two samples. */
export function cpuDelta(before, after) {
  const out = {};
  for (const group of Object.keys(before)) out[group] = after[group] - before[group];
  return out;
}
