// `bugforge ui`'s pages in a real Chromium over two finished local runs: the quickstart and the
// same run without synthetic data. Runs list, run page (graph, a batch's log, artifacts, the
// report), two runs compared, read-only actions, and no secret value on any page.
import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../core/store/local.js';
import { LocalSource } from '../../operator/dashboard/local-source.js';
import { loopbackHost, startDashboard, type RunningDashboard } from '../../operator/dashboard/server.js';
import { repoRoot } from '../support/cluster.js';
import { buildDashboardBundle, launchChromium, runLocal, screenshot } from './support.js';

const SECRET = 'dashboard-test-secret-5f1c9a';
const API_KEY = 'sk-test0123456789abcdefghijkl';

describe('bugforge ui in Chromium, over finished local runs', () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  let dashboard: RunningDashboard;
  let source: LocalSource;
  const seen: string[] = []; // every response body the page received

  beforeAll(async () => {
    buildDashboardBundle();
    dir = await mkdtemp(path.join(tmpdir(), 'bugforge-ui-test-'));
    const quickstart = parse(await readFile(path.join(repoRoot, 'manifests/examples/quickstart.yaml'), 'utf8')) as { metadata: { name: string }; spec: { generation: Record<string, unknown> } };
    const realOnly = structuredClone(quickstart);
    realOnly.metadata.name = 'quickstart-real-only';
    realOnly.spec.generation = { ...realOnly.spec.generation, enabled: false };
    await writeFile(path.join(dir, 'quickstart.yaml'), stringify(quickstart));
    await writeFile(path.join(dir, 'real-only.yaml'), stringify(realOnly));
    await runLocal(dir, 'quickstart.yaml');
    await runLocal(dir, 'real-only.yaml');
    // A stage that printed secrets: a value this process knows is secret, and an API key field.
    await appendFile(path.join(dir, '.bugforge/logs/quickstart/generate-batch-0001.log'),
      `${JSON.stringify({ level: 40, time: Date.now(), msg: `connecting with ${SECRET}`, apiKey: API_KEY })}\nAuthorization: Bearer ${API_KEY}\n`);
    source = new LocalSource({ store: new LocalStore(path.join(dir, '.bugforge')), logRoot: path.join(dir, '.bugforge/logs'), env: { ...process.env, AWS_SECRET_ACCESS_KEY: SECRET } });
    await source.start();
    dashboard = await startDashboard({ source, port: 0, host: '127.0.0.1', allowedHosts: loopbackHost });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on('response', (res) => { res.text().then((t) => seen.push(t), () => undefined); });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await source?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists both runs as Succeeded with their F1', async () => {
    await page.goto(dashboard.url);
    await page.waitForSelector('tr[data-run="local/quickstart"][data-phase="Succeeded"]');
    await page.waitForSelector('tr[data-run="local/quickstart-real-only"][data-phase="Succeeded"]');
    const row = await page.locator('tr[data-run="local/quickstart"]').innerText();
    expect(row).toMatch(/6\/6/);
    expect(row).toMatch(/0\.\d{3}/); // F1 shown
    await screenshot(page, 'local-runs-list');
  });

  it('shows the stage graph with generate\'s batches fanned out, a batch\'s log in words, artifacts and the report', async () => {
    await page.click('a.run-link:text-is("quickstart")');
    await page.waitForSelector('section.run[data-phase="Succeeded"]');
    for (const stage of ['analyze', 'generate', 'filter', 'merge', 'train', 'evaluate']) {
      expect(await page.getAttribute(`[data-node="${stage}"]`, 'data-state'), stage).toBe('Succeeded');
    }
    expect(await page.locator('.units [data-node^="generate/batch-"]').count()).toBe(2);
    expect(await page.locator('[data-node="analyze"] .node-headline').innerText()).toMatch(/functions/);

    await page.click('[data-node="generate/batch-0001"]');
    await page.waitForSelector('[data-log-state="done"]');
    const log = await page.locator('.log-text').innerText();
    expect(log).toMatch(/INFO {2}.*generating \(mutation\)/); // pino's JSON turned into words
    expect(log).not.toContain('{"level"');
    expect(log).toContain('[redacted]');
    await screenshot(page, 'local-run-log');

    await page.click('[data-node="evaluate"]');
    await page.click('button[role="tab"]:text-is("Artifacts")');
    await page.waitForSelector('tr[data-file="06-evaluate/metrics.json"]');
    await page.click('tr[data-file="06-evaluate/metrics.json"] button:text-is("show")');
    await page.locator('pre.inline-file.json', { hasText: '"headline"' }).waitFor(); // metrics.json, pretty-printed
    const download = await page.getAttribute('tr[data-file="06-evaluate/report.md"] a[download]', 'href');
    const res = await page.request.get(new URL(download!, dashboard.url).href);
    expect(res.headers()['content-disposition']).toContain('attachment');
    expect(await res.text()).toContain('#'); // the Markdown report, streamed from the store
    await page.waitForSelector('.report iframe');
    const frame = page.frameLocator('.report iframe');
    await frame.locator('body').waitFor();
    expect(await frame.locator('body').innerText()).toMatch(/F1/);
    await page.locator('.report iframe').scrollIntoViewIfNeeded();
    await screenshot(page, 'local-run-page');
  });

  it('compares the two runs: metrics side by side, the spec difference, curves overlaid', async () => {
    await page.goto(dashboard.url);
    await page.check('input[aria-label="select local/quickstart"]');
    await page.check('input[aria-label="select local/quickstart-real-only"]');
    await page.click('button.compare-button');
    await page.waitForSelector('table.metrics tr[data-metric="f1"]');
    const f1 = await page.locator('table.metrics tr[data-metric="f1"] td.num').allInnerTexts();
    expect(f1).toHaveLength(2);
    for (const v of f1) expect(v).toMatch(/^0\.\d{3}$|^1\.000$/);
    expect(await page.locator('tr[data-path="generation.enabled"]').innerText()).toMatch(/false/);
    expect(await page.locator('[data-curves="ROC curve (detector)"] polyline').count()).toBe(2);
    await screenshot(page, 'local-compare');
  });

  it('is read-only: no action buttons, and an action request with the page\'s own token is refused', async () => {
    await page.goto(new URL('/runs/local/quickstart', dashboard.url).href);
    await page.waitForSelector('[data-read-only="true"]');
    expect(await page.locator('.actions button').count()).toBe(0);
    const token = await page.getAttribute('meta[name="csrf-token"]', 'content');
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const answer = await page.evaluate(async (token) => {
      const res = await fetch('/api/runs/local/quickstart/actions/rerun', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token ?? '' }, body: JSON.stringify({ stage: 'train' }) });
      return { status: res.status, body: await res.text() };
    }, token);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('read-only');
  });

  it('no secret value reached any page or log view', async () => {
    await page.goto(new URL('/runs/local/quickstart?node=generate%2Fbatch-0001&tab=log', dashboard.url).href);
    await page.waitForSelector('[data-log-state="done"]');
    const everything = [...seen, await page.content()].join('\n');
    expect(everything).toContain('connecting with [redacted]');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(API_KEY);
  });
});
