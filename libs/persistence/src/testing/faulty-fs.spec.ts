import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultyFs, fsError } from './faulty-fs';

describe('FaultyFs', () => {
  let dir: string;
  let fs: FaultyFs;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-faulty-'));
    fs = new FaultyFs();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: NodeJS.ErrnoException) => error,
    );

  it('passes calls through to the real file system and counts them by kind', async () => {
    const file = await fs.open(join(dir, 'a'), 'create');
    expect(await file.write(Buffer.from('hello'), 0, 5, 0)).toBe(5);
    await file.sync(true);
    await file.close();
    expect(await readFile(join(dir, 'a'), 'utf8')).toBe('hello');
    expect(await fs.readdir(dir)).toEqual(['a']);
    expect([fs.count('open'), fs.count('write'), fs.count('fsync'), fs.count('close')]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(fs.count('rename')).toBe(0);
  });

  it('fails the nth matching call, `times` calls in a row, with the chosen errno', async () => {
    const fault = fs.inject({ kind: 'readdir', nth: 2, times: 2, errno: 'EMFILE' });
    await fs.readdir(dir); // 1st: passes
    const second = await rejection(fs.readdir(dir));
    const third = await rejection(fs.readdir(dir));
    await fs.readdir(dir); // 4th: passes again
    expect([second?.code, third?.code]).toEqual(['EMFILE', 'EMFILE']);
    expect(second?.syscall).toBe('readdir');
    expect(second?.path).toBe(dir);
    expect(fault.hits).toBe(2);
  });

  it('only touches calls on matching paths (substring or pattern)', async () => {
    await writeFile(join(dir, 'keep.wal'), 'x');
    await writeFile(join(dir, 'drop.blk'), 'x');
    fs.inject({ kind: 'unlink', path: '.wal', times: Infinity });
    fs.inject({ kind: 'read', path: /\.blk$/, times: Infinity, errno: 'EIO' });
    expect((await rejection(fs.unlink(join(dir, 'keep.wal'))))?.code).toBe('EIO');
    await fs.unlink(join(dir, 'drop.blk.missing')).catch(() => undefined); // not matched: ENOENT
    expect((await rejection(fs.readFile(join(dir, 'drop.blk'))))?.code).toBe('EIO');
    expect(await fs.readFile(join(dir, 'keep.wal'))).toEqual(Buffer.from('x'));
  });

  it('counts nth for each fault on its own', async () => {
    const first = fs.inject({ kind: 'mkdir', nth: 1 });
    const third = fs.inject({ kind: 'mkdir', nth: 3, errno: 'ENOSPC' });
    expect((await rejection(fs.mkdir(join(dir, 'a'))))?.code).toBe('EIO');
    await fs.mkdir(join(dir, 'b'));
    expect((await rejection(fs.mkdir(join(dir, 'c'))))?.code).toBe('ENOSPC');
    expect([first.hits, third.hits]).toEqual([1, 1]);
  });

  it('applies the first-injected fault when two cover one call, and counts the hit once', async () => {
    const a = fs.inject({ kind: 'readdir', errno: 'EACCES' });
    const b = fs.inject({ kind: 'readdir', errno: 'EIO', times: 2 });
    expect((await rejection(fs.readdir(dir)))?.code).toBe('EACCES');
    expect((await rejection(fs.readdir(dir)))?.code).toBe('EIO');
    expect([a.hits, b.hits]).toEqual([1, 1]);
  });

  it('cuts writes short (0 bytes, nothing written) for a short fault, async and sync', async () => {
    const file = await fs.open(join(dir, 'short'), 'create');
    fs.inject({ kind: 'write', short: true, times: 2 });
    expect(await file.write(Buffer.from('abc'), 0, 3, 0)).toBe(0);
    expect(file.writeSync(Buffer.from('abc'), 0, 3, 0)).toBe(0);
    expect(file.writeSync(Buffer.from('abc'), 0, 3, 0)).toBe(3);
    await file.close();
    expect(await readFile(join(dir, 'short'), 'utf8')).toBe('abc');
  });

  it('fails zero-fill as its own kind, not as a write', async () => {
    const file = await fs.open(join(dir, 'z'), 'create');
    fs.inject({ kind: 'zero-fill', errno: 'ENOSPC' });
    expect((await rejection(file.zeroFill(0, 4096)))?.code).toBe('ENOSPC');
    expect(await file.write(Buffer.from('ok'), 0, 2, 0)).toBe(2);
    expect(await file.zeroFill(2, 4094)).toBe(4094);
    expect(await file.size()).toBe(4096);
    await file.close();
  });

  it('hangs a call until released, then runs it; later calls are not hung', async () => {
    const hang = fs.inject({ kind: 'rename', hang: true });
    await writeFile(join(dir, 'from'), 'x');
    let done = false;
    const renaming = fs.rename(join(dir, 'from'), join(dir, 'to')).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    expect(await fs.readdir(dir)).toEqual(['from']);
    hang.release();
    await renaming;
    expect(await fs.readdir(dir)).toEqual(['to']);
    await fs.rename(join(dir, 'to'), join(dir, 'again')); // not hung any more
  });

  it('clear() removes every fault and lets hung calls go on', async () => {
    fs.inject({ kind: 'readdir', times: Infinity });
    fs.inject({ kind: 'mkdir', hang: true });
    const making = fs.mkdir(join(dir, 'sub'));
    fs.clear();
    await making;
    expect(await fs.readdir(dir)).toEqual(['sub']);
  });

  it('failAll() fails every kind of call until clear()', async () => {
    const file = await fs.open(join(dir, 'f'), 'create');
    fs.failAll('EROFS');
    expect((await rejection(fs.readdir(dir)))?.code).toBe('EROFS');
    expect((await rejection(file.sync()))?.code).toBe('EROFS');
    expect((await rejection(file.close()))?.code).toBe('EROFS');
    fs.clear();
    await file.close();
    expect(await fs.readdir(dir)).toEqual(['f']);
  });

  it('builds errors shaped like node:fs errors', () => {
    const error = fsError('ENOSPC', 'write', '/x/y');
    expect(error.message).toBe("ENOSPC: injected write failure, '/x/y'");
    expect(error).toMatchObject({ code: 'ENOSPC', syscall: 'write', path: '/x/y' });
    expect(error.errno).toBeLessThan(0);
  });
});
