// Debian's Chromium driven by playwright-core, as the UI tests and the UI benchmark use it:
// headless, no sandbox (CI runs as root), an empty profile, no background traffic (this
// machine's network is closed; Chromium would keep trying).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.WEFT_CHROMIUM || '/usr/bin/chromium';

export async function launchChromium() {
  const profile = mkdtempSync(path.join(tmpdir(), 'weft-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60000,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Resolves once the page says it is interactive (router.ts markReady).
export async function waitReady(page, name, timeout = 30000) {
  await page.waitForFunction((n) => document.documentElement.dataset.weftReady === n, name, { timeout });
}
