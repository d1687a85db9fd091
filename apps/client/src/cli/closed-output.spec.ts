import { PassThrough } from 'node:stream';
import { endQuietlyWhenOutputCloses } from './closed-output';

const errno = (code: string) => Object.assign(new Error(`write ${code}`), { code });

describe('endQuietlyWhenOutputCloses', () => {
  it('exits 0 when the reader of an output stream has gone (EPIPE)', () => {
    const exits: number[] = [];
    const stdout = new PassThrough() as unknown as NodeJS.WriteStream;
    endQuietlyWhenOutputCloses((code) => exits.push(code), [stdout]);
    stdout.emit('error', errno('EPIPE'));
    expect(exits).toEqual([0]);
  });

  it('still throws any other error', () => {
    const stdout = new PassThrough() as unknown as NodeJS.WriteStream;
    endQuietlyWhenOutputCloses(() => undefined, [stdout]);
    expect(() => stdout.emit('error', errno('EIO'))).toThrow('write EIO');
  });
});
