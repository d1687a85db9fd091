import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small tmpfs for disk-full tests: mounting needs root and a kernel/container that permits it.
 * `probeTmpfs()` tries once, synchronously (at collection time, so a suite can skip with the
 * reason), and always cleans up after itself.
 */
export function probeTmpfs(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-faults-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (error as Error).message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class TmpfsMount {
  private constructor(readonly path: string) {}

  static mount(sizeKiB: number): TmpfsMount {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-faults-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
    return new TmpfsMount(dir);
  }

  /** Changes the size limit in place (open files stay open): gives space back, or takes it. */
  resize(sizeKiB: number): void {
    execFileSync('mount', ['-o', `remount,size=${sizeKiB}k`, this.path], { stdio: 'pipe' });
  }

  /** Unmounts (lazily if something still holds it) and removes the mount point. */
  unmount(): void {
    try {
      execFileSync('umount', [this.path], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', this.path], { stdio: 'pipe' });
    }
    rmSync(this.path, { recursive: true, force: true });
  }
}
