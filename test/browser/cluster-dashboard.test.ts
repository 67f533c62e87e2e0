// The operator's dashboard in Chromium during a run on the test control plane (real API server,
// process kubelet running the stage Pods, s3rver as the store): the graph follows the run without
// a reload, a running stage's log streams, artifacts and the report come from the store, two runs
// are compared, the read-only dashboard refuses actions, and one with actions enabled cancels,
// retries and re-runs a run from a chosen stage only through a same-origin request carrying the
// page's CSRF token.
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOperator } from '../../operator/controller/manager.js';
import { startOperatorDashboard } from '../../operator/dashboard/operator-dashboard.js';
import { createTestNamespace, kubeConfig, waitFor, type TestNamespace } from '../support/cluster.js';
import type { TestS3 } from '../support/s3.js';
import { startS3Process } from './s3-process.js';
import { CREDENTIALS_SECRET, createCredentials, createRun, getRun, installCrd, storageFor, testOperator } from '../integration/operator-support.js';
import { buildDashboardBundle, launchChromium, screenshot } from './support.js';

const quickstart = (s3: TestS3, extra: Record<string, unknown> = {}) => ({
  storage: storageFor(s3),
  dataset: { source: 'demo' },
  generation: { provider: 'mutation', batches: 2, parallelism: 2, samplesPerBatch: 30 },
  training: { features: 'tfidf', head: 'logreg', epochs: 10 },
  // A retry inside the Job: a transient store error (s3rver has reset connections under load here)
  // would fail the run, and this test is about the dashboard following it.
  jobs: { backoffLimit: 2 },
  ...extra,
});

/** Polls `check` until true; unlike waitFor, an error from `check` ends the wait (a failed run will not succeed). */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('the operator\'s dashboard in Chromium, during runs on the test control plane', () => {
  const kc = kubeConfig();
  let ns: TestNamespace;
  let s3: TestS3;
  let operator: RunningOperator;
  let browser: Browser;
  let page: Page;
  let base: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    buildDashboardBundle();
    await installCrd(kc);
    ns = await createTestNamespace(kc, 'dashboard');
    s3 = await startS3Process(['bugforge']);
    await createCredentials(kc, ns.name, s3);
    operator = await testOperator(kc, ns.name, { host: '127.0.0.1', dashboard: { port: 0, storeSecrets: [CREDENTIALS_SECRET] } });
    base = `http://127.0.0.1:${operator.dashboardPort}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on('response', (res) => { res.text().then((t) => bodies.push(t), () => undefined); });
  });

  afterAll(async () => {
    await browser?.close();
    await operator?.stop();
    await s3?.stop();
    await ns?.delete();
  });

  it('the runs list shows a new run without a reload; the run page\'s graph follows it stage by stage; a running stage\'s log streams', async () => {
    await page.goto(`${base}/?namespace=${ns.name}`);
    await page.waitForSelector('p.empty, table.runs-table');
    await page.evaluate(() => { (globalThis as unknown as { notReloaded: boolean }).notReloaded = true; });
    await createRun(kc, ns.name, 'live', quickstart(s3));
    await page.waitForSelector(`tr[data-run="${ns.name}/live"]`, { timeout: 30_000 });
    await screenshot(page, 'cluster-runs-list');

    await page.click('a.run-link:text-is("live")');
    await page.waitForSelector('section.run[data-run$="/live"]');
    // The page follows the run: every stage node reaches Succeeded in order, seen through live updates.
    const seenRunning = new Set<string>();
    let streamed = false;
    for (const stage of ['analyze', 'generate', 'filter', 'merge', 'train', 'evaluate']) {
      await until(`${stage} to succeed on the page`, 240_000, async () => {
        if ((await page.getAttribute('section.run', 'data-phase')) === 'Failed') {
          throw new Error(`the run failed: ${await page.locator('.run-message').innerText().catch(() => '?')}`);
        }
        const state = await page.getAttribute(`[data-node="${stage}"]`, 'data-state');
        if (state === 'Running') seenRunning.add(stage);
        if (!streamed) {
          // A running node with a log (a stage, or one of generate's batches): its log streams while it runs.
          const running = page.locator('.node[data-state="Running"]');
          const ids = await running.evaluateAll((els) => els.map((e) => e.getAttribute('data-node')).filter((id) => id && id !== 'generate'));
          if (ids.length) {
            await page.click(`[data-node="${ids[0]}"]`);
            const text = await page.locator('.log-text').innerText({ timeout: 5000 }).catch(() => '');
            const status = await page.getAttribute('.log-status', 'data-log-state').catch(() => null);
            if (text.trim() && (status === 'streaming' || status === 'done')) {
              streamed = true;
              expect(text).not.toContain('{"level"'); // words, not JSON lines
              await screenshot(page, 'cluster-run-running');
            }
          }
        }
        return state === 'Succeeded';
      });
    }
    expect(seenRunning.size, `stages seen Running on the page: ${[...seenRunning].join(', ')}`).toBeGreaterThan(0);
    expect(streamed, 'a running stage\'s log was shown while it ran').toBe(true);
    await page.waitForSelector('section.run[data-phase="Succeeded"]', { timeout: 60_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true); // no reload
    expect(await page.locator('.units [data-node^="generate/batch-"][data-state="Succeeded"]').count()).toBe(2);
  });

  it('a finished stage\'s log, its artifacts from the store, the report, conditions and Events', async () => {
    await page.click('[data-node="generate/batch-0001"]');
    await page.click('button[role="tab"]:text-is("Log")');
    await page.locator('.log-text', { hasText: 'batch-0001' }).waitFor();
    expect(await page.locator('.log-text').innerText()).toMatch(/INFO/);
    await page.click('[data-node="evaluate"]');
    await page.click('button[role="tab"]:text-is("Artifacts")');
    await page.click('tr[data-file="06-evaluate/metrics.json"] button:text-is("show")');
    await page.locator('pre.inline-file.json', { hasText: '"headline"' }).waitFor();
    await page.frameLocator('.report iframe').locator('body', { hasText: 'F1' }).waitFor();
    expect(await page.locator('table.conditions').innerText()).toMatch(/Succeeded\s+True/);
    await page.locator('table.events', { hasText: 'StageSucceeded' }).waitFor({ timeout: 15_000 });
    await page.locator('.report iframe').scrollIntoViewIfNeeded();
    await screenshot(page, 'cluster-run-succeeded');
  });

  it('compares the finished run with one that failed at analyze', async () => {
    await createRun(kc, ns.name, 'nodata', quickstart(s3, { dataset: { source: 'uri', uri: '/nonexistent/bugforge/devign.jsonl' } }));
    await waitFor(async () => ['Failed'].includes((await getRun(kc, ns.name, 'nodata')).status?.phase ?? ''), { what: 'nodata to fail', timeoutMs: 120_000, intervalMs: 500 });
    await page.goto(`${base}/?namespace=${ns.name}`);
    await page.waitForSelector(`tr[data-run="${ns.name}/nodata"][data-phase="Failed"]`);
    await page.check(`input[aria-label="select ${ns.name}/live"]`);
    await page.check(`input[aria-label="select ${ns.name}/nodata"]`);
    await page.click('button.compare-button');
    await page.waitForSelector('table.metrics tr[data-metric="f1"]');
    expect(await page.locator('tr[data-path="dataset.source"]').innerText()).toMatch(/demo[\s\S]*uri/);
    expect(await page.locator('table.metrics tr[data-metric="f1"] td.num').allInnerTexts()).toEqual([expect.stringMatching(/^\d\.\d{3}$/), '—']);
    await screenshot(page, 'cluster-compare');
  });

  it('read-only: no action buttons, and the API refuses an action even with the page\'s token', async () => {
    await page.goto(`${base}/runs/${ns.name}/nodata`);
    await page.waitForSelector('[data-read-only="true"]');
    expect(await page.locator('.actions button').count()).toBe(0);
    const token = await page.getAttribute('meta[name="csrf-token"]', 'content');
    const answer = await page.evaluate(async ([path, token]) => {
      const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: '{}' });
      return { status: res.status, body: await res.text() };
    }, [`/api/runs/${ns.name}/nodata/actions/retry`, token ?? ''] as const);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('read-only');
    expect((await getRun(kc, ns.name, 'nodata')).metadata.annotations?.['bugforge.dev/retry']).toBeUndefined();
  });

  it('with actions enabled: cross-origin and token-less requests are refused; the page cancels a running run, retries it and re-runs it from a chosen stage', async () => {
    const log = pino({ level: 'warn' }, pino.destination(2));
    const withActions = await startOperatorDashboard(kc, ns.name, { port: 0, actions: true }, undefined, log, '127.0.0.1');
    const origin = `http://127.0.0.1:${withActions.port}`;
    try {
      await createRun(kc, ns.name, 'to-cancel', quickstart(s3));
      const actionsPage = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
      actionsPage.on('dialog', (d) => { void d.accept(); });
      await actionsPage.goto(`${origin}/runs/${ns.name}/to-cancel`);
      await actionsPage.waitForSelector('.actions button.danger', { timeout: 60_000 }); // Cancel, once the run is active
      const token = (await actionsPage.getAttribute('meta[name="csrf-token"]', 'content'))!;
      const cookie = (await actionsPage.context().cookies()).find((c) => c.name === 'bugforge_session')!;
      const post = (headers: Record<string, string>) => fetch(`${origin}/api/runs/${ns.name}/to-cancel/actions/cancel`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      // Another site's page (Origin elsewhere), even with a stolen cookie and token: refused.
      expect((await post({ origin: 'http://evil.example', cookie: `bugforge_session=${cookie.value}`, 'x-csrf-token': token })).status).toBe(403);
      // Same origin but no token, or a token of another session: refused.
      expect((await post({ origin, cookie: `bugforge_session=${cookie.value}` })).status).toBe(403);
      expect((await post({ origin, cookie: 'bugforge_session=anothersession0123', 'x-csrf-token': token })).status).toBe(403);
      expect((await getRun(kc, ns.name, 'to-cancel')).spec).not.toHaveProperty('status');

      await actionsPage.click('.actions button.danger');
      await actionsPage.waitForSelector('p.notice');
      const cancelled = await waitFor(async () => { const r = await getRun(kc, ns.name, 'to-cancel'); return (r.spec as { status?: string }).status === 'Cancelled' ? r : undefined; }, { what: 'spec.status Cancelled' });
      expect(cancelled.metadata.annotations?.['bugforge.dev/retry']).toBeUndefined();
      await actionsPage.waitForSelector('section.run[data-phase="Cancelled"]', { timeout: 120_000 });
      await screenshot(actionsPage, 'cluster-run-cancelled');
      await actionsPage.click('.actions button:text-is("Retry from the failed stage")');
      await actionsPage.waitForSelector('p.notice:has-text("retrying")');
      const retried = await getRun(kc, ns.name, 'to-cancel');
      expect(retried.metadata.annotations?.['bugforge.dev/retry']).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(retried.spec).not.toHaveProperty('status'); // a cancelled run can only go on without it
      // Once the retried run has ended, the page offers a re-run from a chosen stage.
      let last = '';
      const ended = await waitFor(async () => {
        const r = await getRun(kc, ns.name, 'to-cancel');
        last = JSON.stringify({ spec: r.spec, annotations: r.metadata.annotations, status: { ...r.status, stages: undefined } });
        return r.status?.attempt === 2 && ['Succeeded', 'Failed', 'Cancelled'].includes(r.status.phase ?? '') ? r : undefined;
      }, { what: 'the retried run to end', timeoutMs: 240_000 }).catch((e: Error) => { throw new Error(`${e.message}\n${last}`); });
      expect(ended.status?.phase, last).toBe('Succeeded');
      await actionsPage.waitForSelector('section.run[data-phase="Succeeded"]', { timeout: 30_000 });
      await actionsPage.selectOption('select[aria-label="stage to re-run from"]', 'train');
      await actionsPage.click('.actions button:text-is("Re-run from this stage")');
      await actionsPage.waitForSelector('p.notice:has-text("re-running to-cancel from train")');
      const rerun = await getRun(kc, ns.name, 'to-cancel');
      expect(rerun.metadata.annotations?.['bugforge.dev/retry-from-stage']).toBe('train');
      expect(rerun.metadata.annotations?.['bugforge.dev/retry']).not.toBe(retried.metadata.annotations?.['bugforge.dev/retry']);
      await actionsPage.close();
    } finally {
      await withActions.close();
    }
  });

  it('no store key reached any page (the dashboard read them from the Secret)', () => {
    const everything = bodies.join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).not.toContain(s3.secretKey);
  });
});
