import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * What the kernel says about a server process (Linux /proc): its resident memory and its open file
 * descriptors. Used to check that load leaves no leaked sockets or files and memory stays bounded.
 */

/** Resident set size in KiB (VmRSS of /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** The targets of every open descriptor (`socket:[123]`, `/path/file`, `anon_inode:...`). */
export function openDescriptors(pid: number): string[] {
  const dir = `/proc/${pid}/fd`;
  const targets: string[] = [];
  for (const fd of readdirSync(dir)) {
    try {
      targets.push(readlinkSync(`${dir}/${fd}`));
    } catch {
      // closed between readdir and readlink
    }
  }
  return targets;
}

export const fdCount = (pid: number): number => openDescriptors(pid).length;

export const socketCount = (pid: number): number =>
  openDescriptors(pid).filter((target) => target.startsWith('socket:')).length;

/** The soft limit on open files of a process (`ulimit -n`), from /proc/<pid>/limits. */
export function openFileLimit(pid: number | 'self' = 'self'): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(
    readFileSync(`/proc/${pid}/limits`, 'utf8'),
  );
  if (!match) throw new Error(`no open-file limit for ${pid}`);
  return match[1] === 'unlimited' ? Infinity : Number(match[1]);
}
