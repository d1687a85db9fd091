import { constants as osConstants } from 'node:os';
import type { FsCallKind } from '../io/storage-fs';

/** What to do to matching calls. */
export interface FaultSpec {
  kind: FsCallKind;
  /** The error code the call fails with (default EIO). */
  errno?: string;
  /** The first matching call affected, counted from now: 1 (the default) is the next one. */
  nth?: number;
  /** How many matching calls are affected from there (default 1; Infinity: until removed). */
  times?: number;
  /** Only calls on a path containing this string, or matching this pattern. */
  path?: string | RegExp;
  /** Hang the call until `release()` (then it runs normally) instead of failing it. */
  hang?: boolean;
  /** For writes: write nothing and report 0 bytes (a full disk's short write) instead of failing. */
  short?: boolean;
}

/**
 * A fault being applied; `hits` counts the calls it affected. When two faults cover one call,
 * the one injected first is applied (the other still counts the call towards its `nth`).
 */
export class InjectedFault {
  hits = 0;
  private seen = 0;
  private removed = false;
  private readonly hung: (() => void)[] = [];

  constructor(
    readonly spec: FaultSpec,
    private readonly onRemove: (fault: InjectedFault) => void,
  ) {}

  /** Whether this call is in the fault's range (counts it as seen if it matches). */
  takes(kind: FsCallKind, path: string): boolean {
    const { spec } = this;
    if (this.removed || spec.kind !== kind) return false;
    if (spec.path !== undefined) {
      const matches =
        typeof spec.path === 'string' ? path.includes(spec.path) : spec.path.test(path);
      if (!matches) return false;
    }
    this.seen++;
    const first = spec.nth ?? 1;
    return this.seen >= first && this.seen < first + (spec.times ?? 1);
  }

  waitForRelease(): Promise<void> {
    return new Promise((resolve) => this.hung.push(resolve));
  }

  /** Lets every hung call go on; later matching calls are no longer hung. */
  release(): void {
    this.remove();
    for (const resume of this.hung.splice(0)) resume();
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    this.onRemove(this);
  }
}

/** An error shaped like the one node:fs throws for a failed system call. */
export function fsError(errno: string, kind: FsCallKind, path: string): NodeJS.ErrnoException {
  const number = (osConstants.errno as Record<string, number>)[errno] ?? 0;
  return Object.assign(new Error(`${errno}: injected ${kind} failure, '${path}'`), {
    code: errno,
    errno: -number,
    syscall: kind,
    path,
  });
}
