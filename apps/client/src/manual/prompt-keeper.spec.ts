import { Writable } from 'node:stream';
import { PromptKeeper } from './prompt-keeper';

/** One stream of everything written, in order, and the prompts drawn, as `<prompt>`. */
function terminal() {
  const log: string[] = [];
  const stream = () =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        log.push(chunk.toString());
        done();
      },
    });
  const line = {
    prompt: (preserve?: boolean) => log.push(preserve ? '<prompt kept>' : '<prompt>'),
  };
  return { log, line, screen: stream(), notices: stream() };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PromptKeeper', () => {
  it('redraws the prompt after a notice that arrives between commands (idle timeout)', async () => {
    const { log, line, screen, notices } = terminal();
    const keeper = new PromptKeeper(screen, notices);
    keeper.start(line);
    keeper.notice('connection closed; it is reopened at the next command\n');
    await flush();
    // Erase the prompt line (CSI 2K, then column 1), print the notice, draw the prompt again.
    expect(log).toEqual([
      '<prompt>',
      '\x1b[2K',
      '\x1b[1G',
      'connection closed; it is reopened at the next command\n',
      '<prompt kept>',
    ]);
  });

  it('leaves the prompt to the end of the command for notices while one is in hand', async () => {
    const { log, line, screen, notices } = terminal();
    const keeper = new PromptKeeper(screen, notices);
    keeper.start(line);
    log.length = 0;
    let finish = () => undefined as void;
    const done = keeper.handle(new Promise<void>((resolve) => (finish = resolve)));
    keeper.notice('error: connection refused\n');
    finish();
    await done;
    await flush();
    expect(log).toEqual(['error: connection refused\n', '<prompt>']);
  });

  it('prompts once the last of several commands in hand is done', async () => {
    const { log, line, screen, notices } = terminal();
    const keeper = new PromptKeeper(screen, notices);
    keeper.start(line);
    log.length = 0;
    await Promise.all([keeper.handle(Promise.resolve()), keeper.handle(Promise.resolve())]);
    expect(log).toEqual(['<prompt>']);
  });

  it('draws nothing without a terminal or after the input ended', async () => {
    const piped = terminal();
    const keeper = new PromptKeeper(piped.screen, piped.notices);
    keeper.start(undefined);
    keeper.notice('connection closed\n');
    await keeper.handle(Promise.resolve());
    await flush();
    expect(piped.log).toEqual(['connection closed\n']);

    const ended = terminal();
    const closing = new PromptKeeper(ended.screen, ended.notices);
    closing.start(ended.line);
    closing.end();
    ended.log.length = 0;
    closing.notice('connection closed\n');
    await closing.handle(Promise.resolve());
    await flush();
    expect(ended.log).toEqual(['connection closed\n']);
  });
});
