import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from '../../src/main/wire.js';

/** Debian's Chromium (`npm run setup:browser`, or .ci/run); never a browser build downloaded by Playwright. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Screenshots and figures of browser tests (git-ignored). */
export const BROWSER_ARTIFACTS_DIR = join(REPO_ROOT, '.artifacts', 'dashboard');

/**
 * CI sets SWITCHBOARD_BROWSER_TESTS=required so a missing Chromium fails the run instead of
 * skipping; locally the browser test skips with a message when Chromium is not installed.
 */
export function browserAvailability(): { isAvailable: boolean; isRequired: boolean; message: string } {
  const isAvailable = existsSync(CHROMIUM_PATH);
  const isRequired = process.env.SWITCHBOARD_BROWSER_TESTS === 'required';
  return {
    isAvailable,
    isRequired,
    message: isAvailable ? '' : `Chromium is not installed at ${CHROMIUM_PATH}: the dashboard browser test is skipped. Install it with \`npm run setup:browser\` (apt-get install chromium).`,
  };
}

/**
 * Headless Chromium with a fresh profile. Background networking is off: this machine's network is
 * closed, and Chromium's own connections (updates, sync, field trials) would be refused and slow it.
 */
export async function launchChromium(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(BROWSER_ARTIFACTS_DIR, { recursive: true });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
