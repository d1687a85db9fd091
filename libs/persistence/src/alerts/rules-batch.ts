import type { StoredAlertRule } from './alert-rule';

/** One write of the rules file: the rules as they were when it was requested. */
export class RulesSave {
  /** Keys of the rules this save registers: they exist only if it succeeds. */
  readonly registers: string[] = [];
  readonly done: Promise<void>;
  settle!: (error?: Error) => void;

  constructor(
    public snapshot: readonly StoredAlertRule[],
    public version: number,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
    this.done.catch(() => undefined); // every requester awaits it; none may be left unhandled
  }
}
