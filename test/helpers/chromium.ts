/** Headless Chromium for the report tests (Debian's chromium, driven by playwright-core). */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const NO_CHROMIUM = 'Chromium is not installed (Debian: apt-get install chromium)';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** Starts Chromium with no sandbox, GPU or background network traffic. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
