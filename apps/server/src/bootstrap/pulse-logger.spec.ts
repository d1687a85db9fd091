import { PulseLogger } from './pulse-logger';

describe('PulseLogger', () => {
  const write = process.stderr.write.bind(process.stderr);
  let written: string[];
  beforeEach(() => {
    written = [];
    process.stderr.write = ((text: string) => written.push(text) > 0) as typeof write;
  });
  afterEach(() => (process.stderr.write = write));

  it("drops the ExceptionHandler's copy of a start-up error (main.ts prints it once)", () => {
    const logger = new PulseLogger('Pulse', { colors: false });
    logger.error(new Error('boom'), undefined, 'ExceptionHandler');
    expect(written).toEqual([]);
    logger.error('could not write block 3', 'FileManager');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/ERROR \[FileManager\] could not write block 3/);
  });
});

describe('PulseLogger with Nest', () => {
  const write = process.stderr.write.bind(process.stderr);
  let written: string[];
  beforeEach(() => {
    written = [];
    process.stderr.write = ((text: string) => written.push(text) > 0) as typeof write;
  });
  afterEach(() => (process.stderr.write = write));

  it('leaves an error thrown while building the modules to the caller, unprinted', async () => {
    const { Module } = await import('@nestjs/common');
    const { NestFactory } = await import('@nestjs/core');
    @Module({
      providers: [
        {
          provide: 'LOCK',
          useFactory: () => {
            throw new Error('data directory /x is locked');
          },
        },
      ],
    })
    class FailingModule {}
    const created = NestFactory.createApplicationContext(FailingModule, {
      logger: new PulseLogger('Pulse', { colors: false, logLevels: ['error'] }),
      abortOnError: false,
    });
    await expect(created).rejects.toThrow('data directory /x is locked');
    expect(written).toEqual([]);
  });
});
