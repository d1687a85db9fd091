import { formatStamp, fromZonedInput, isKnownZone, toZonedInput } from './time-zone';

const at = (iso: string) => Date.parse(iso);

describe('formatStamp', () => {
  it('prints the wall clock of the zone, to the millisecond', () => {
    expect(formatStamp(at('2026-11-22T08:20:05.123Z'), 'UTC')).toBe('2026-11-22 08:20:05.123');
    expect(formatStamp(at('2026-11-22T08:20:05.007Z'), 'Europe/Madrid')).toBe(
      '2026-11-22 09:20:05.007',
    );
    expect(formatStamp(at('2026-07-01T00:00:00Z'), 'America/New_York')).toBe(
      '2026-06-30 20:00:00.000',
    );
  });

  it('drops a fraction of a millisecond', () => {
    expect(formatStamp(1796301845453.0066, 'UTC')).toBe('2026-12-03 12:44:05.453');
    expect(formatStamp(1796301845452.9927, 'UTC')).toBe('2026-12-03 12:44:05.452');
  });

  it('prints midnight as 00, not 24', () => {
    expect(formatStamp(at('2026-01-01T00:00:00Z'), 'UTC')).toBe('2026-01-01 00:00:00.000');
  });
});

describe('toZonedInput and fromZonedInput', () => {
  it('turns a wall-clock time of the zone into its instant', () => {
    expect(fromZonedInput('2026-11-22T09:20', 'Europe/Madrid')).toBe(at('2026-11-22T08:20:00Z'));
    expect(fromZonedInput('2026-07-22T09:20:30', 'Europe/Madrid')).toBe(at('2026-07-22T07:20:30Z'));
    expect(fromZonedInput('2026-07-22T09:20:30.5', 'UTC')).toBe(at('2026-07-22T09:20:30.500Z'));
    expect(fromZonedInput('2026-07-22', 'Asia/Kolkata')).toBe(at('2026-07-21T18:30:00Z'));
  });

  it('round-trips through the input format', () => {
    const ms = at('2026-03-29T12:34:56Z');
    for (const zone of ['UTC', 'Europe/Madrid', 'America/Sao_Paulo', 'Pacific/Chatham']) {
      expect(fromZonedInput(toZonedInput(ms, zone), zone)).toBe(ms);
    }
  });

  it('rejects what is not a date-time', () => {
    expect(fromZonedInput('', 'UTC')).toBeUndefined();
    expect(fromZonedInput('yesterday', 'UTC')).toBeUndefined();
    expect(fromZonedInput('2022-02-30', 'UTC')).toBeUndefined();
    expect(fromZonedInput('2022-04-26T10:00Z', 'UTC')).toBeUndefined();
  });
});

describe('isKnownZone', () => {
  it('knows IANA zones and refuses the rest', () => {
    expect(isKnownZone('Europe/Madrid')).toBe(true);
    expect(isKnownZone('UTC')).toBe(true);
    expect(isKnownZone('Mars/Olympus')).toBe(false);
  });
});
