/**
 * Debian's `chromium` driven by playwright-core (no browser download: scripts/install-system-deps.sh
 * installs the system package). PULSE_E2E_CHROMIUM names another binary.
 */
import { spawnSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.PULSE_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function unavailableReason(): string | undefined {
  const probe = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  if (!probe.error && probe.status === 0) return undefined;
  return `${CHROMIUM} does not run (npm test installs Debian's chromium: scripts/install-system-deps.sh)`;
}

/**
 * A headless Chromium. As root it needs --no-sandbox: Chromium refuses to start its sandbox as
 * root (CI containers run as root).
 */
export function launchChromium(): Promise<Browser> {
  const asRoot = process.getuid?.() === 0;
  return chromium.launch({
    executablePath: CHROMIUM,
    args: asRoot ? ['--no-sandbox'] : [],
    timeout: 30_000,
  });
}
