import { ReplyQueue } from './reply-queue';

describe('ReplyQueue', () => {
  it('hands out replies in arrival order whatever order runs complete in', () => {
    const queue = new ReplyQueue();
    const first = queue.reserve(2);
    queue.pushReady('400 a');
    const second = queue.reserve(1);
    queue.complete(second, ['200 c']);
    expect(queue.takeReady()).toEqual({ text: '', answered: 0 });
    queue.complete(first, ['201 x', '201 y']);
    expect(queue.takeReady()).toEqual({ text: '201 x\n201 y\n400 a\n200 c\n', answered: 3 });
    expect(queue.isEmpty).toBe(true);
  });

  it('merges consecutive ready replies into one slot', () => {
    const queue = new ReplyQueue();
    for (let i = 0; i < 3; i++) queue.pushReady(`r${i}`);
    expect(queue.takeReady().text).toBe('r0\nr1\nr2\n');
  });
});
