import { gzipSync } from 'node:zlib';
import { scriptBytesOnFirstLoad, startBrowser } from '../support/browser';
import { startStack } from '../support/stack';
import { measure, printTable, Sample } from './stats';

const RUNS = 30;

/**
 * The web console in Debian's Chromium against a running control plane with 50 connectors: a first visit
 * (cache off) until the connectors table shows, a repeat visit, and moving between pages in the app.
 * The floor is the same browser navigating to /healthz on the same server: HTTP and navigation, no script.
 */
export async function benchConsoleLoad(): Promise<Sample[]> {
  const stack = await startStack({ name: 'bench-console' });
  const browser = await startBrowser();
  try {
    for (let i = 0; i < 50; i++) {
      const created = await stack.api('POST', '/v1/connectors', {
        identifier: `prom_${i}`,
        name: `Prometheus ${i}`,
        type: 'Prometheus',
        spec: { url: `http://prom${i}.internal:9090/` },
      });
      if (created.status !== 201) throw new Error(`seeding connectors: ${created.status} ${created.text}`);
    }
    const base = `http://127.0.0.1:${stack.port}`;
    await browser.context.addInitScript(`sessionStorage.setItem('conduit.apiKey', ${JSON.stringify(stack.apiKey)})`);
    const { bytes, scripts } = await scriptBytesOnFirstLoad(browser.context, `${base}/console/#/connectors`);
    const gzipped = (
      await Promise.all(
        scripts.map(async (url) => gzipSync(Buffer.from(await (await fetch(url)).arrayBuffer())).length),
      )
    ).reduce((a, b) => a + b, 0);

    const page = browser.page;
    const cdp = await browser.context.newCDPSession(page);
    const cache = (disabled: boolean) => cdp.send('Network.setCacheDisabled', { cacheDisabled: disabled });
    const visitConnectors = async () => {
      await page.goto('about:blank');
      await page.goto(`${base}/console/#/connectors`);
      await page.getByRole('link', { name: 'Prometheus 49' }).waitFor();
    };

    await cache(true);
    const floor = await measure(
      'floor: navigate to /healthz (same server, no script)',
      RUNS,
      () => page.goto(`${base}/healthz`),
      3,
    );
    const first = await measure('first visit, cache off: connectors table shown', RUNS, visitConnectors, 3);
    await cache(false);
    const repeat = await measure('repeat visit, cached script: connectors table shown', RUNS, visitConnectors, 3);
    let toDelegates = true;
    const navigate = await measure(
      'in-app navigation (connectors ⇄ delegates)',
      RUNS,
      async () => {
        await page.getByRole('link', { name: toDelegates ? 'Delegates' : 'Connectors', exact: true }).click();
        await (
          toDelegates
            ? page.getByRole('row').filter({ hasText: 'inside' })
            : page.getByRole('link', { name: 'Prometheus 49' })
        ).waitFor();
        toDelegates = !toDelegates;
      },
      2,
    );
    const samples = [floor, first, repeat, navigate];
    printTable(
      `web console in Chromium, 1366x768 (script: ${bytes} bytes, ${gzipped} gzipped, ${scripts.length} file(s); budget 204800 bytes)`,
      samples,
      floor,
    );
    return samples.map((s) => ({ ...s, figures: { scriptBytes: bytes, scriptBytesGzipped: gzipped } }));
  } finally {
    await browser.close();
    await stack.stop();
  }
}
