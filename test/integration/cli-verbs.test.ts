// The CLI's cluster verbs against the real control plane, as a user runs them: `bugforge list`,
// `describe`, `logs [-f] [--stage]`, `cancel`, `retry`, and `kubectl bugforge` as a kubectl plugin.
// BUGFORGE_CAPTURE_DIR=<dir> keeps each command's output there (the README shows them).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOperator } from '../../operator/controller/manager.js';
import { kubeConfig, kubeconfigPath, repoRoot, useNamespace, waitFor } from '../support/cluster.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { createCredentials, createRun, getRun, installCrd, storageFor, testOperator, waitForEnd } from './operator-support.js';

const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
const env = () => ({ ...process.env, KUBECONFIG: kubeconfigPath(), NO_COLOR: '1', FORCE_COLOR: '0' });

function capture(name: string, text: string): void {
  const dir = process.env.BUGFORGE_CAPTURE_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.txt`), text);
}

/** `bugforge <args>` as a user runs it (this checkout's CLI). */
function bugforge(args: string[], name?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', tsx, path.join(repoRoot, 'cli/main.ts'), ...args], { encoding: 'utf8', env: env(), timeout: 120_000 });
  if (name) capture(name, `$ bugforge ${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const spec = (s3: TestS3, extra: Record<string, unknown> = {}) => ({
  storage: storageFor(s3), dataset: { source: 'demo' },
  generation: { provider: 'mutation', batches: 2, parallelism: 2, samplesPerBatch: 20 },
  training: { features: 'tfidf', head: 'logreg' }, jobs: { backoffLimit: 0 }, ...extra,
});

describe('bugforge cluster verbs', () => {
  const ns = useNamespace('verbs');
  let s3: TestS3;
  let operator: RunningOperator | undefined;
  beforeAll(async () => {
    await installCrd(kubeConfig());
    s3 = await startS3({ buckets: ['bugforge'] });
  });
  afterAll(async () => { await s3?.stop(); });
  afterEach(async () => { await operator?.stop(); operator = undefined; });

  it('list, describe and logs (-f, --stage) show a run as it goes and ends, human-readable', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(ns.kc, ns.name);
    await createRun(ns.kc, ns.name, 'demo', spec(s3));
    // logs -f from the start: follows each stage's Pods as they come, returns when the run ends
    const follow = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'cli/main.ts'), 'logs', 'demo', '-n', ns.name, '-f'], { env: env() });
    let followed = '';
    follow.stdout.on('data', (d: Buffer) => { followed += String(d); });
    follow.stderr.on('data', (d: Buffer) => { followed += String(d); });
    // listened for at once: a follower that exits early (an error) must fail the test, not hang it
    const exited = new Promise<number | null>((resolve) => follow.once('exit', resolve));
    const run = await waitForEnd(ns.kc, ns.name, 'demo');
    expect(run.status?.phase).toBe('Succeeded');
    const code = await Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 60_000))]);
    if (code === 'running') follow.kill();
    capture('logs-follow', `$ bugforge logs demo -f\n${followed}`);
    expect(code, `logs -f, a minute after the run ended:\n${followed}`).toBe(0);
    for (const prefix of ['[analyze]', '[generate/0]', '[generate/1]', '[filter]', '[merge]', '[train]', '[evaluate]']) expect(followed).toContain(prefix);
    expect(followed).toContain(`-- PipelineRun ${ns.name}/demo ended Succeeded`);
    expect(followed).not.toMatch(/^\[[a-z/0-9]+\] \{"level"/m); // pretty, not JSON lines

    const list = bugforge(['list', '-n', ns.name], 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^NAME\s+PHASE\s+STAGE\s+PROGRESS\s+F1\s+REASON\s+DURATION\s+AGE/);
    expect(list.out).toMatch(new RegExp(`demo\\s+Succeeded\\s+evaluate\\s+6/6\\s+${run.status!.results!.f1!.toFixed(3)}\\s+Succeeded\\s+${run.status!.duration}`));

    const describe = bugforge(['describe', 'demo', '-n', ns.name], 'describe');
    expect(describe.code).toBe(0);
    expect(describe.out).toContain(`Artifacts:    ${run.status!.artifacts}`);
    expect(describe.out).toMatch(/generate\s+Succeeded\s+demo-generate-0, demo-generate-1/);
    expect(describe.out).toContain('Batches: demo-generate-0, demo-generate-1');
    expect(describe.out).toContain(`${run.status!.artifacts}/03-filter/`);
    expect(describe.out).toMatch(/Succeeded\s+True\s+Succeeded/);
    expect(describe.out).toMatch(/Normal\s+RunSucceeded/);

    const analyze = bugforge(['logs', 'demo', '-n', ns.name, '--stage', 'analyze'], 'logs-stage');
    expect(analyze.code).toBe(0);
    expect(analyze.out.split('\n').filter(Boolean).every((l) => l.startsWith('[analyze] '))).toBe(true);
    expect(analyze.out).toMatch(/\[analyze\] \[\d\d:\d\d:\d\d\] INFO/);

    const missing = bugforge(['describe', 'nope', '-n', ns.name]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`PipelineRun ${ns.name}/nope not found`);
  });

  it('cancel and retry set exactly the contract fields; retry of a running run is refused with a reason', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(ns.kc, ns.name);
    await createRun(ns.kc, ns.name, 'gpu', spec(s3, { generation: { enabled: false }, training: { features: 'tfidf', head: 'logreg', gpus: 1 } }));
    await waitFor(async () => (await getRun(ns.kc, ns.name, 'gpu')).status?.currentStage === 'train', { what: 'train to start', timeoutMs: 240_000 });
    const early = bugforge(['retry', 'gpu', '-n', ns.name]);
    expect(early.code).toBe(1);
    expect(early.err).toMatch(/is Running: retry re-runs a Failed or Cancelled run; cancel it first/);
    const cancel = bugforge(['cancel', 'gpu', '-n', ns.name], 'cancel');
    expect(cancel.code).toBe(0);
    const cancelled = await waitForEnd(ns.kc, ns.name, 'gpu');
    expect(cancelled.spec.status).toBe('Cancelled');
    expect(cancelled.status?.phase).toBe('Cancelled');
    capture('list-cancelled', bugforge(['list', '-n', ns.name]).out);
    const retry = bugforge(['retry', 'gpu', '-n', ns.name, '--from-stage', 'merge'], 'retry');
    expect(retry.code).toBe(0);
    const again = await waitFor(async () => {
      const r = await getRun(ns.kc, ns.name, 'gpu');
      return r.status?.attempt === 2 && r.status.currentStage === 'train' ? r : undefined;
    }, { what: 'the second attempt to reach train', timeoutMs: 240_000 });
    expect(again.spec.status).toBeUndefined();
    expect(again.metadata.annotations?.['bugforge.dev/retry-from-stage']).toBe('merge');
    expect(again.status?.retry).toMatchObject({ fromStage: 'merge', forced: true });
    capture('describe-retried', bugforge(['describe', 'gpu', '-n', ns.name]).out);
  });

  it('works as `kubectl bugforge` (the kubectl-bugforge bin on the PATH)', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    await createRun(ns.kc, ns.name, 'plugin', spec(s3));
    const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-plugin-'));
    // what `npm install -g bugforge` puts on the PATH: the bin, run by node (here on this checkout's sources)
    writeFileSync(path.join(dir, 'kubectl-bugforge'), `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${path.join(repoRoot, 'cli/main.ts')}" "$@"\n`, { mode: 0o755 });
    const r = spawnSync('kubectl', ['bugforge', 'list', '-n', ns.name], { encoding: 'utf8', env: { ...env(), PATH: `${dir}:${process.env.PATH}` } });
    capture('kubectl-plugin', `$ kubectl bugforge list\n${r.stdout}${r.stderr}`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/plugin\s+Pending/);
  });
});
