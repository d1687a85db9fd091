import { isValidMetricId } from '@app/protocol';
import { logCommand } from './log-command';

/** The protocol's value grammar (PROTOCOL.md, Arguments). */
const PROTOCOL_DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

describe('logCommand', () => {
  it('writes LOG <id> <value> with at most three decimals', () => {
    expect(logCommand({ id: 'cpu', value: 0.123456 })).toBe('LOG cpu 0.123');
    expect(logCommand({ id: 'cpu', value: 42 })).toBe('LOG cpu 42');
    expect(logCommand({ id: 'cpu', value: -2.5 })).toBe('LOG cpu -2.5');
  });

  it('never writes -0 or a value the protocol rejects', () => {
    expect(logCommand({ id: 'x', value: -0.0001 })).toBe('LOG x 0');
    for (const value of [1e21, -1e-7, 123456789.987654, 5e-324, 1.7e308]) {
      const [, id, text] = logCommand({ id: 'x', value }).split(' ');
      expect(isValidMetricId(id)).toBe(true);
      expect(text).toMatch(PROTOCOL_DECIMAL);
    }
  });
});
