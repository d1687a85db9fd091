/**
 * PROTOCOL.md's dates without a zone, read in PULSE_TZ: a server started with another zone than
 * the default. Apart from protocol.e2e-spec.ts because that file also runs against the
 * containerized server (npm run test:docker), whose zone is its configuration's.
 */
import { isoDateTime } from './support/iso-date';
import { LineClient } from './support/line-client';
import { REPLY, uniqueId } from './support/replies';
import {
  freshDataDir,
  PulseServer,
  removeDataDirs,
  withServerOutput,
} from './support/spawn-server';

afterAll(async () => {
  LineClient.destroyAll();
  await PulseServer.killAll();
  await removeDataDirs();
});

describe('with PULSE_TZ=Asia/Tokyo (UTC+09:00, no DST)', () => {
  let tokyo: PulseServer | undefined;

  beforeAll(async () => {
    tokyo = await PulseServer.start({
      dataDir: await freshDataDir(),
      env: { PULSE_TZ: 'Asia/Tokyo' },
    });
  });

  afterAll(async () => {
    await tokyo?.stop();
  });

  it(
    'reads dates without a zone in the configured zone, and explicit zones as given',
    withServerOutput(
      () => [tokyo],
      async () => {
        const local = await LineClient.connect(tokyo!.port);
        const id = uniqueId('tz');
        expect(await local.pipeline([`LOG ${id} 1`, `LOG ${id} 2`])).toEqual([
          REPLY.inserted,
          REPLY.inserted,
        ]);
        const now = Date.now();
        const range = (style: 'none' | 'Z', offset: number) =>
          `${isoDateTime(now - 60000, style, offset)} ${isoDateTime(now + 60000, style, offset)}`;
        // Tokyo wall time without a zone: around now.
        expect(await local.request(`QUERY ${id} MIN 0 ${range('none', 540)}`)).toBe(
          '200 [1.0, 2.0]\n',
        );
        // UTC wall time without a zone is nine hours before now in Tokyo: nothing.
        expect(await local.request(`QUERY ${id} MIN 0 ${range('none', 0)}`)).toBe('200 []\n');
        // An explicit Z is UTC whatever the configured zone.
        expect(await local.request(`QUERY ${id} MIN 0 ${range('Z', 0)}`)).toBe('200 [1.0, 2.0]\n');
      },
    ),
  );
});
