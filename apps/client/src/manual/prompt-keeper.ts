import { clearLine, cursorTo } from 'node:readline';

/** What the keeper needs of readline's Interface (on a terminal). */
export interface PromptLine {
  /** Redraws the prompt and the text typed so far; `true` keeps the cursor where it was. */
  prompt(preserveCursor?: boolean): void;
}

/**
 * Keeps the interactive prompt on screen. Commands are handled one after the other; after the
 * last one in hand the prompt is drawn again. A notice may also arrive between commands (the
 * server closed the connection at its idle timeout): it is printed on a line of its own, in
 * place of the prompt, and the prompt is drawn again below it with what the user had typed.
 * Without a terminal (piped input) there is no prompt and notices are printed as they come.
 */
export class PromptKeeper {
  private line: PromptLine | undefined;
  private inHand = 0;
  private ended = false;

  constructor(
    private readonly screen: NodeJS.WritableStream,
    private readonly notices: NodeJS.WritableStream,
  ) {}

  /** Draws the first prompt on `line` (undefined without a terminal: no prompts at all). */
  start(line: PromptLine | undefined): void {
    this.line = line;
    this.redraw(false);
  }

  /** Runs one command's handling; the prompt comes back once no command is left in hand. */
  async handle(work: Promise<void>): Promise<void> {
    this.inHand += 1;
    try {
      await work;
    } finally {
      this.inHand -= 1;
      if (this.inHand === 0) this.redraw(false);
    }
  }

  /** Prints a notice; between commands, also erases the prompt first and redraws it after. */
  notice(text: string): void {
    const betweenCommands = this.line && this.inHand === 0 && !this.ended;
    if (betweenCommands) {
      clearLine(this.screen, 0);
      cursorTo(this.screen, 0);
    }
    this.notices.write(text);
    if (betweenCommands) this.redraw(true);
  }

  /** Input ended: no more prompts. */
  end(): void {
    this.ended = true;
  }

  private redraw(preserveCursor: boolean): void {
    if (this.line && !this.ended) this.line.prompt(preserveCursor);
  }
}
