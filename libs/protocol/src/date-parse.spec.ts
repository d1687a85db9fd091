import fc from 'fast-check';
import { formatServerDate, isValidTimeZone, parseIsoDate } from './date-parse';

const utc = (iso: string): number => Date.parse(iso);

describe('parseIsoDate', () => {
  describe('in UTC', () => {
    it.each([
      ['2022-04-26', '2022-04-26T00:00:00.000Z'],
      ['2022-04-26T10:00', '2022-04-26T10:00:00.000Z'],
      ['2022-04-26T10:00:05', '2022-04-26T10:00:05.000Z'],
      ['2022-04-26T10:00:05.1', '2022-04-26T10:00:05.100Z'],
      ['2022-04-26T10:00:05.12', '2022-04-26T10:00:05.120Z'],
      ['2022-04-26T10:00:05.123', '2022-04-26T10:00:05.123Z'],
      ['2022-04-26T10:00:05Z', '2022-04-26T10:00:05.000Z'],
      ['2022-04-26T10:00Z', '2022-04-26T10:00:00.000Z'],
      ['2022-04-26T10:00:05.123Z', '2022-04-26T10:00:05.123Z'],
      ['2022-04-26T10:00:05+03:00', '2022-04-26T07:00:05.000Z'],
      ['2022-04-26T10:00:05-0300', '2022-04-26T13:00:05.000Z'],
      ['2022-04-26T10:00+03', '2022-04-26T07:00:00.000Z'],
      ['2022-04-26T10:00:05.5-00:30', '2022-04-26T10:30:05.500Z'],
      ['2022-04-26T00:00+23:59', '2022-04-25T00:01:00.000Z'],
      ['2024-02-29', '2024-02-29T00:00:00.000Z'],
      ['2000-02-29', '2000-02-29T00:00:00.000Z'],
      ['1970-01-01', '1970-01-01T00:00:00.000Z'],
      ['1969-12-31T23:59:59', '1969-12-31T23:59:59.000Z'],
      ['9999-12-31T23:59:59', '9999-12-31T23:59:59.000Z'],
      ['2022-12-31T23:59:59.999', '2022-12-31T23:59:59.999Z'],
    ])('reads %s as %s', (token, iso) => {
      expect(parseIsoDate(token, 'UTC')).toBe(utc(iso));
    });

    it('reads years 0000 to 0099 as themselves, not as 19xx', () => {
      expect(parseIsoDate('0000-01-01', 'UTC')).toBe(-62167219200000);
      expect(parseIsoDate('0050-03-01T00:00+03', 'UTC')).toBe(-60584209200000);
      expect(parseIsoDate('0099-12-31', 'UTC')).toBe(utc('+000099-12-31T00:00:00Z'));
    });

    it('keeps sub-millisecond digits as a fraction of a millisecond', () => {
      const second = utc('2022-04-26T10:00:05Z');
      expect(parseIsoDate('2022-04-26T10:00:05.1234', 'UTC')).toBe(second + 123.4);
      expect(parseIsoDate('2022-04-26T10:00:05.0005Z', 'UTC')).toBe(second + 0.5);
      expect(parseIsoDate('2022-04-26T10:00:05.999999999', 'UTC')).toBeCloseTo(second + 1000, 3);
      expect(parseIsoDate('2022-04-26T10:00:05.000', 'UTC')).toBe(second);
    });
  });

  it.each([
    '',
    '2022',
    '2022-04',
    '22-04-26',
    '02022-04-26',
    '2022-4-26',
    '2022-04-6',
    '2022/04/26',
    '20220426',
    '2022-13-45',
    '2022-13-01',
    '2022-00-10',
    '2022-04-00',
    '2022-04-31',
    '2022-02-30',
    '2023-02-29',
    '1900-02-29',
    '2022-04-26T24:00',
    '2022-04-26T23:60',
    '2022-04-26T23:59:60',
    '2022-04-26T10',
    '2022-04-26T10:0',
    '2022-04-26T1:00',
    '2022-04-26T10:00:5',
    '2022-04-26T10:00.5',
    '2022-04-26T10:00:05.',
    '2022-04-26T10:00:05,5',
    '2022-04-26t10:00',
    '2022-04-26T10:00z',
    '2022-04-26 10:00',
    '2022-04-26T',
    '2022-04-26Z',
    '2022-04-26+03:00',
    '2022-04-26T10:00+3',
    '2022-04-26T10:00+03:0',
    '2022-04-26T10:00+03:',
    '2022-04-26T10:00+24:00',
    '2022-04-26T10:00+03:60',
    '2022-04-26T10:00 Z',
    '2022-04-26T10:00ZZ',
    '2022-04-26T10:00+03:00Z',
    ' 2022-04-26',
    '2022-04-26 ',
    '２０２２-04-26',
    'now',
    '2022-04-26T10:00:05.' + '1'.repeat(60),
  ])('rejects %j', (token) => {
    expect(parseIsoDate(token, 'UTC')).toBeUndefined();
  });

  describe('in a configured zone', () => {
    it('reads times without a zone as wall-clock times of that zone', () => {
      expect(parseIsoDate('2022-04-26T10:00', 'Europe/Madrid')).toBe(utc('2022-04-26T08:00:00Z'));
      expect(parseIsoDate('2022-01-26T10:00', 'Europe/Madrid')).toBe(utc('2022-01-26T09:00:00Z'));
      expect(parseIsoDate('2022-04-26T10:00', 'America/New_York')).toBe(
        utc('2022-04-26T14:00:00Z'),
      );
      expect(parseIsoDate('2022-04-26T10:00', 'Asia/Kolkata')).toBe(utc('2022-04-26T04:30:00Z'));
    });

    it('reads a date alone as its midnight in that zone', () => {
      expect(parseIsoDate('2022-04-26', 'Europe/Madrid')).toBe(utc('2022-04-25T22:00:00Z'));
      expect(parseIsoDate('2022-04-26', 'Pacific/Auckland')).toBe(utc('2022-04-25T12:00:00Z'));
    });

    it('ignores the zone when the token has its own offset', () => {
      const instant = utc('2022-04-26T07:00:05Z');
      expect(parseIsoDate('2022-04-26T10:00:05+03:00', 'Europe/Madrid')).toBe(instant);
      expect(parseIsoDate('2022-04-26T07:00:05Z', 'America/New_York')).toBe(instant);
    });

    it('adds the fraction after converting the wall-clock time', () => {
      expect(parseIsoDate('2022-04-26T10:00:05.1234', 'Europe/Madrid')).toBe(
        utc('2022-04-26T08:00:05Z') + 123.4,
      );
    });

    // Europe/Madrid: 2022-03-27 02:00 CET jumps to 03:00 CEST; 2022-10-30 03:00 CEST falls to 02:00.
    it('moves a time skipped by DST forward, reading it with the offset before the change', () => {
      expect(parseIsoDate('2022-03-27T01:59:59', 'Europe/Madrid')).toBe(
        utc('2022-03-27T00:59:59Z'),
      );
      expect(parseIsoDate('2022-03-27T02:30', 'Europe/Madrid')).toBe(utc('2022-03-27T01:30:00Z'));
      expect(parseIsoDate('2022-03-27T03:00', 'Europe/Madrid')).toBe(utc('2022-03-27T01:00:00Z'));
    });

    it('reads a time repeated by DST as its first occurrence', () => {
      expect(parseIsoDate('2022-10-30T01:59', 'Europe/Madrid')).toBe(utc('2022-10-29T23:59:00Z'));
      expect(parseIsoDate('2022-10-30T02:30', 'Europe/Madrid')).toBe(utc('2022-10-30T00:30:00Z'));
      expect(parseIsoDate('2022-10-30T03:00', 'Europe/Madrid')).toBe(utc('2022-10-30T02:00:00Z'));
    });

    it('rejects a zone-less time in an unknown zone, but not one with an offset', () => {
      expect(parseIsoDate('2022-04-26T10:00', 'Nowhere/City')).toBeUndefined();
      expect(parseIsoDate('2022-04-26', 'Nowhere/City')).toBeUndefined();
      expect(parseIsoDate('2022-04-26T10:00Z', 'Nowhere/City')).toBe(utc('2022-04-26T10:00Z'));
    });
  });

  it('agrees with Date.parse on every valid UTC date-time from year 100 on', () => {
    const pad = (n: number, width = 2): string => n.toString().padStart(width, '0');
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0100-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, offsetMinutes) => {
          const d = new Date(Math.floor(date.getTime() / 1000) * 1000);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
          const wall = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
          expect(parseIsoDate(wall, 'UTC')).toBe(d.getTime());
          expect(parseIsoDate(wall + zone, 'UTC')).toBe(d.getTime() - offsetMinutes * 60_000);
        },
      ),
    );
  });

  it('never throws', () => {
    const chars = fc.constantFrom(...'0123456789-:T.Z+ tz');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: chars, maxLength: 40 })), (token) => {
        const ms = parseIsoDate(token, 'Europe/Madrid');
        expect(ms === undefined || Number.isFinite(ms)).toBe(true);
      }),
    );
  });
});

describe('isValidTimeZone', () => {
  it.each(['UTC', 'Europe/Madrid', 'America/New_York', 'Asia/Kolkata', 'Etc/GMT+3'])(
    'accepts %s',
    (zone) => {
      expect(isValidTimeZone(zone)).toBe(true);
    },
  );

  it.each(['', 'Nowhere/City', '+03:00', 'Europe/', 'local'])('rejects %j', (zone) => {
    expect(isValidTimeZone(zone)).toBe(false);
  });
});

describe('formatServerDate', () => {
  it('prints the wall-clock time of the zone to the second', () => {
    const ms = utc('2022-04-26T10:00:05.987Z');
    expect(formatServerDate(ms, 'UTC')).toBe('2022-04-26T10:00:05');
    expect(formatServerDate(ms, 'Europe/Madrid')).toBe('2022-04-26T12:00:05');
    expect(formatServerDate(ms, 'America/New_York')).toBe('2022-04-26T06:00:05');
  });

  it('reads back through parseIsoDate in the same zone', () => {
    const ms = utc('2022-01-15T08:30:00Z');
    for (const zone of ['UTC', 'Europe/Madrid', 'Asia/Kolkata']) {
      expect(parseIsoDate(formatServerDate(ms, zone), zone)).toBe(ms);
    }
  });
});
