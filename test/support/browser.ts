import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT } from './processes';

/** Debian's Chromium (apt-get install chromium); playwright-core never downloads a browser. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** A 1366x768 laptop screen. */
export const LAPTOP = { width: 1366, height: 768 };

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, one page at laptop size. */
export async function startBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  if (!existsSync(path.join(ROOT, 'apps/console/dist/index.html'))) {
    throw new Error('the web console is not built: npx nx run console:build (the e2e test target depends on it)');
  }
  const profile = await mkdtemp(path.join(os.tmpdir(), 'conduit-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: LAPTOP,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Loads `url` in a new page with the HTTP cache disabled, as a first visit would, and sums the bytes of
 * every script the page loaded until the network was idle.
 */
export async function scriptBytesOnFirstLoad(
  context: BrowserContext,
  url: string,
): Promise<{ bytes: number; scripts: string[] }> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const loads: Array<Promise<{ url: string; bytes: number }>> = [];
  page.on('response', (response) => {
    if (response.request().resourceType() === 'script')
      loads.push(response.body().then((body) => ({ url: response.url(), bytes: body.length })));
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  const scripts = await Promise.all(loads);
  await page.close();
  return { bytes: scripts.reduce((n, s) => n + s.bytes, 0), scripts: scripts.map((s) => s.url) };
}

// Page scripts are strings: the test project is compiled without the DOM library (it would clash with Node's types).

/**
 * Form controls, buttons and links without an accessible name (label, aria-label, aria-labelledby, or
 * text), described by tag and id so a failure says which.
 */
export function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(`
    Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button, meter, a[href]'))
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !el.textContent.trim())
      .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''))
  `);
}

/** The focused element's id and text: what a keyboard user is on. */
export function focused(page: Page): Promise<{ id: string; text: string }> {
  return page.evaluate(
    `({ id: document.activeElement?.id ?? '', text: (document.activeElement?.textContent ?? '').trim() })`,
  );
}
