import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { startPrometheus, type PrometheusPeer } from '../peers';
import { type Browser, focused, scriptBytesOnFirstLoad, startBrowser, unnamedControls } from '../support/browser';
import { ROOT, waitFor } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

/** The budget the issue sets: no page loads more than 200 KB of script on a first visit. */
const SCRIPT_BUDGET_BYTES = 200 * 1024;
/** `npm run screenshots` sets this: each main page is saved as a PNG under docs/console/. */
const SCREENSHOTS = process.env['CONSOLE_SCREENSHOTS'] ? path.join(ROOT, 'docs/console') : undefined;

/**
 * The web console in Debian's Chromium (playwright-core, headless) against a running control plane and a
 * real delegate; the connector is tested against a real Prometheus (test/peers/prometheus.ts) with Basic auth.
 */
describe('the web console in a real browser (real Prometheus peer, real delegate)', () => {
  let prometheus: PrometheusPeer;
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let base: string;
  let password: string;
  /** Every request body the browser sent, to prove the secret's plaintext never left it. */
  const sent: string[] = [];
  /** Every API answer the browser received (the log stream aside), to prove no value came back either. */
  const received: Array<Promise<string>> = [];

  const shot = async (name: string) => {
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  };
  const heading = (name: string) => page.getByRole('heading', { level: 1, name });

  beforeAll(async () => {
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    prometheus = await startPrometheus({ basicAuth: true, waitFor: 'ready' });
    password = prometheus.basicAuth?.password as string;
    stack = await startStack({
      name: 'console',
      delegateEnv: { DELEGATE_ALLOW_SHELL: 'true', DELEGATE_TAGS: 'local' },
    });
    base = `http://127.0.0.1:${stack.port}`;
    browser = await startBrowser();
    page = browser.page;
    page.on('request', (request) => {
      const body = request.postData();
      if (body) sent.push(body);
    });
    page.on('response', (response) => {
      if (response.url().includes('/v1/') && !response.url().includes('follow=true'))
        received.push(response.text().catch(() => ''));
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await prometheus?.stop();
  });

  it('refuses a wrong API key, then signs in with the admin key', async () => {
    await page.goto(`${base}/`);
    expect(page.url()).toBe(`${base}/console/`);
    await shot('login');
    await page.getByLabel('API key').fill('cdk_wrong_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'UNAUTHENTICATED' }).waitFor();
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Connectors').waitFor();
    expect(await page.evaluate('localStorage.length')).toBe(0); // the key is kept for this tab only
  });

  it('creates a secret sealed in the browser: only the envelope reaches the control plane', async () => {
    await page.getByRole('link', { name: 'Secrets' }).click();
    await heading('Secrets').waitFor();
    await page.getByLabel('Identifier').fill('prom_password');
    await page.getByLabel('Value').fill(password);
    await page.getByRole('button', { name: 'Seal and create' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Created secret prom_password, sealed in this browser for delegate group default.' })
      .waitFor();
    await page.getByRole('row').filter({ hasText: 'prom_password' }).waitFor();
    await shot('secrets');

    const stored = (await stack.api('GET', '/v1/secrets/prom_password')).body;
    expect(stored).toMatchObject({
      kind: 'text',
      version: 1,
      versions: [{ version: 1, sealedBy: 'client', recipients: [{ kind: 'group', group: 'default' }] }],
    });
    expect(sent.some((body) => body.includes('"sealed"'))).toBe(true);
    expect(sent.filter((body) => body.includes(password))).toEqual([]);
  });

  it('creates a Prometheus connector through the form generated from the catalog, tests it and sees it turn Active', async () => {
    await page.getByRole('link', { name: 'Connectors' }).click();
    await page.getByRole('link', { name: 'New connector' }).click();
    await heading('New connector').waitFor();
    await page.getByLabel('Type').selectOption('Prometheus');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Monitoring');
    await page.getByLabel('Identifier').fill('prom');
    await page.getByLabel('Url').fill(prometheus.url);
    await page.getByLabel('Username').fill(prometheus.basicAuth?.username as string);
    await page.getByLabel('Password').fill('prom_password');
    await page.getByLabel('Delegate selectors').fill('local');
    await page.getByRole('heading', { level: 1 }).scrollIntoViewIfNeeded();
    await shot('connector-form');
    await page.getByRole('button', { name: 'Create connector' }).click();

    await heading('Monitoring').waitFor();
    const overview = page.getByRole('region', { name: 'Overview' });
    await overview.getByText('Unconfigured').waitFor();
    // The password field shows the secret's reference, never a value.
    await page.getByRole('region', { name: 'Configuration' }).getByText('secret: prom_password').waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const test = page.getByRole('region', { name: 'Connection test' });
    await test.getByText('Success').waitFor({ timeout: 60_000 });
    const stages = test.getByRole('list', { name: 'Stages' }).getByRole('listitem');
    for (const stage of ['authentication', 'connection', 'operation'])
      await stages.filter({ hasText: stage }).getByText('Succeeded').waitFor();
    await overview.getByText('Active').waitFor();
    await page.getByRole('region', { name: 'Test history' }).getByRole('cell', { name: 'Success' }).waitFor();
    await shot('connector');

    expect((await stack.api('GET', '/v1/connectors/prom')).body).toMatchObject({
      status: 'ACTIVE',
      spec: { passwordRef: 'prom_password', delegateSelectors: ['local'] },
    });
    expect(prometheus.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('edits the connector through the same generated form, keeping its secret reference and tags', async () => {
    const current = (await stack.api('GET', '/v1/connectors/prom')).body;
    const { identifier, name, description, type, spec, version } = current;
    expect(
      (
        await stack.api('PUT', '/v1/connectors/prom', {
          identifier,
          name,
          description,
          type,
          spec,
          version,
          tags: { team: 'sre' },
        })
      ).status,
    ).toBe(200);
    await page.reload();
    await page.getByRole('link', { name: 'Edit' }).click();
    await heading('Edit Monitoring').waitFor();
    expect(await page.getByLabel('Password').inputValue()).toBe('prom_password');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Monitoring (prod)');
    await page.getByRole('button', { name: 'Save changes' }).click();
    // Exactly the detail page's heading: the form's own "Edit Monitoring (prod)" (live as the name is typed) would match
    // a substring before the save has answered.
    await page.getByRole('heading', { level: 1, name: 'Monitoring (prod)', exact: true }).waitFor();
    expect((await stack.api('GET', '/v1/connectors/prom')).body).toMatchObject({
      name: 'Monitoring (prod)',
      version: 3,
      tags: { team: 'sre' },
      spec: { passwordRef: 'prom_password' },
    });
  });

  it('names the field the API refused, beside the field', async () => {
    await page.getByRole('link', { name: 'Connectors' }).click();
    await page.getByRole('link', { name: 'New connector' }).click();
    await page.getByLabel('Type').selectOption('Prometheus');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Broken');
    await page.getByLabel('Identifier').fill('broken');
    await page.getByLabel('Url').fill('ftp://nope');
    await page.getByRole('button', { name: 'Create connector' }).click();
    await page.getByRole('alert').filter({ hasText: 'spec.url' }).waitFor();
    expect((await stack.api('GET', '/v1/connectors/broken')).status).toBe(404);
  });

  it('lists connectors with their status and filters them', async () => {
    await page.getByRole('link', { name: 'Connectors' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Monitoring' });
    await row.getByText('Active').waitFor();
    await page.getByLabel('Status').selectOption('FAILED');
    await page.getByRole('cell', { name: 'No connectors match.' }).waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Search').fill('monit');
    await row.waitFor();
    await page.getByLabel('Search').fill('');
    await shot('connectors');
  });

  it('runs a pipeline from the console and shows its stages and live logs with the secret masked', async () => {
    await page.getByLabel('Organization').selectOption('default');
    await page.getByLabel('Project').selectOption('default');
    await page.getByRole('link', { name: 'Pipelines' }).click();
    await heading('Pipelines').waitFor();
    const yaml = [
      'pipeline:',
      '  name: Smoke',
      '  identifier: smoke',
      '  stages:',
      '    - name: Check',
      '      type: ci',
      '      spec:',
      '        steps:',
      '          - name: Use the secret',
      '            type: run',
      '            spec:',
      '              shell: sh',
      '              command: |',
      '                echo "starting"',
      '                echo "the secret is <+secrets.getValue(\\"account.prom_password\\")>"',
    ].join('\n');
    await page.getByLabel('Pipeline YAML').fill(yaml);
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    await page.getByRole('link', { name: 'Smoke' }).click();
    await heading('Smoke').waitFor();
    await shot('pipeline');
    await page.getByRole('button', { name: 'Run pipeline' }).click();

    await heading('Run of smoke').waitFor();
    const log = page.getByRole('log');
    await log.getByText('[Check] the secret is ***').waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: /Logs \(complete\)/ }).waitFor({ timeout: 60_000 });
    const stages = page.getByRole('region', { name: 'Stages' });
    await stages.getByText('Use the secret').waitFor();
    await waitFor(
      async () => (await stages.getByText('Succeeded').count()) >= 2,
      'the stage and its step to show Succeeded',
    );
    await shot('execution');
    expect(await page.locator('body').innerText()).not.toContain(password);
    expect((await Promise.all(received)).filter((body) => body.includes(password))).toEqual([]);
    expect(received.length).toBeGreaterThan(20);
  });

  it('shows the delegate connected, and creates (shown once) and revokes a delegate token', async () => {
    await page.getByRole('link', { name: 'Delegates' }).click();
    const row = page.getByRole('row').filter({ hasText: 'inside' });
    await row.getByText('Connected').waitFor();
    await row.getByText('local').waitFor();
    await page.getByLabel('New token name').fill('laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByLabel('Delegate token', { exact: true }).inputValue();
    expect(token).toMatch(/^cdd_/);
    await shot('delegates');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByLabel('Delegate token', { exact: true }).count()).toBe(0);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Revoke token laptop' }).click();
    await page.getByRole('row').filter({ hasText: 'laptop' }).getByText('Revoked').waitFor();
  });

  describe('on every main page', () => {
    const pages = [
      '#/connectors',
      '#/connectors/new',
      '#/connectors/account.prom',
      '#/connectors/account.prom/edit',
      '#/delegates',
      '#/secrets',
      '#/pipelines',
      '#/pipelines/smoke',
    ];

    beforeAll(async () => {
      // New pages are new tabs: give them the key the way the sign-in page would have.
      await browser.context.addInitScript(`sessionStorage.setItem('conduit.apiKey', ${JSON.stringify(stack.apiKey)})`);
    });

    it(`loads at most ${SCRIPT_BUDGET_BYTES / 1024} KB of script on a first visit`, async () => {
      for (const hash of pages) {
        const { bytes, scripts } = await scriptBytesOnFirstLoad(browser.context, `${base}/console/${hash}`);
        console.log(`${hash}: ${bytes} bytes of script (${scripts.length} file${scripts.length === 1 ? '' : 's'})`);
        expect(scripts.length).toBeGreaterThan(0);
        expect([hash, bytes <= SCRIPT_BUDGET_BYTES]).toEqual([hash, true]);
      }
    });

    it('gives every input, select, button and link an accessible name, inside header, nav and main landmarks', async () => {
      for (const hash of pages) {
        await page.goto(`${base}/console/${hash}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.waitForLoadState('networkidle');
        expect([hash, await unnamedControls(page)]).toEqual([hash, []]);
        expect([
          hash,
          await page.getByRole('banner').count(),
          await page.getByRole('navigation', { name: 'Main' }).count(),
          await page.getByRole('main').count(),
        ]).toEqual([hash, 1, 1, 1]);
      }
    });

    it('works from the keyboard alone: skip link, navigation, and creating a token', async () => {
      await page.goto('about:blank'); // a fresh load, not a hash change within the console
      await page.goto(`${base}/console/#/connectors`);
      await heading('Connectors').waitFor();
      await page.keyboard.press('Tab');
      expect((await focused(page)).text).toBe('Skip to content');
      let guard = 0;
      while ((await focused(page)).text !== 'Delegates' && guard++ < 10) await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await heading('Delegates').waitFor();
      await waitFor(async () => (await focused(page)).id === 'page-title', 'focus to move to the new page’s heading');
      guard = 0;
      while ((await focused(page)).id !== 'token-name' && guard++ < 60) await page.keyboard.press('Tab');
      expect((await focused(page)).id).toBe('token-name');
      await page.keyboard.type('keyboard-only');
      await page.keyboard.press('Enter');
      expect(await page.getByLabel('Delegate token', { exact: true }).inputValue()).toMatch(/^cdd_/);
    });
  });
});
