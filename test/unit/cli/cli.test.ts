// The bugforge command line as a user runs it (a child process): `validate` errors that name
// the field and the allowed values, and `run --local` on the demo set with its summary.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSummary, runStatus } from '../../../cli/commands/run.js';
import { loadPipelineRunFile } from '../../../core/pipeline-run-file.js';
import { defaultLogDir, type LocalRunResult } from '../../../operator/local/runner.js';
import type { PipelineRun } from '../../../api/v1alpha1/resource.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = join(root, 'cli/main.ts');
// tsx from this checkout (a bare `--import tsx` would resolve from the child's working directory)
const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
let work: string;

async function bugforge(args: string[], cwd = work): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', tsx, main, ...args], {
      cwd, env: { ...process.env, BUGFORGE_LOG_FORMAT: 'json', NO_COLOR: '1' }, timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const runYaml = (name: string, spec: string) => `apiVersion: bugforge.dev/v1alpha1
kind: PipelineRun
metadata:
  name: ${name}
spec:
${spec}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bugforge-cli-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describe('bugforge validate', () => {
  it('accepts the example runs', async () => {
    const r = await bugforge(['validate', '-f', join(root, 'manifests/examples/quickstart.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('valid PipelineRun quickstart');
    await expect(loadPipelineRunFile(join(root, 'manifests/examples/devign.yaml'))).resolves.toMatchObject({ metadata: { name: 'devign-synth' } });
  });

  it('exits 2 and lists every problem, each naming its field (and the allowed values of an enum)', async () => {
    const file = join(work, 'bad.yaml');
    await writeFile(file, runYaml('bad-run', `  dataset:
    source: kaggle
    format: xml
  generation:
    batches: 0
  split:
    train: 0.9
  colour: red
`));
    const r = await bugforge(['validate', '-f', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`invalid PipelineRun (${file})`);
    expect(r.stderr).toContain('spec.dataset.source: must be one of huggingface, demo, uri');
    expect(r.stderr).toContain('spec.dataset.format: must be one of auto, parquet, jsonl, csv');
    expect(r.stderr).toContain('spec.generation.batches: must be >= 1');
    expect(r.stderr).toContain('spec.colour: unknown field');
  });

  it('reports the cross-field rules (CEL) by field', async () => {
    const file = join(work, 'cel.yaml');
    await writeFile(file, runYaml('cel-run', `  dataset: { source: uri }
  split: { train: 0.9, validation: 0.1, test: 0.1 }
`));
    const r = await bugforge(['validate', '-f', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.dataset.uri: dataset.uri is required when dataset.source is uri');
    expect(r.stderr).toContain('spec.split: split.train + split.validation + split.test must sum to 1');
  });

  it('says what is wrong with a file that is not a PipelineRun', async () => {
    const file = join(work, 'not-a-run.yaml');
    await writeFile(file, 'kind: ConfigMap\nmetadata: { name: x }\n');
    const r = await bugforge(['validate', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('expected exactly one object of kind PipelineRun, found 0');
    await expect(loadPipelineRunFile(join(work, 'nope.yaml'))).rejects.toThrow(/cannot read .*nope\.yaml/);
  });
});

describe('bugforge run --local', () => {
  it('runs analyze on the demo set in its own process, shows where its outputs are, and reuses them on a rerun', async () => {
    const file = join(work, 'demo.yaml');
    await writeFile(file, runYaml('cli-demo', '  dataset: { source: demo }\n'));
    const store = join(work, 'store');
    const first = await bugforge(['run', '--local', '-f', file, '--store', store, '--no-progress', '--only', 'analyze']);
    expect(first.stderr).toMatch(/✔ analyze [\d.]+s — 1,200 functions \(50\.0% buggy\) · 3 splits · 0 malformed/);
    expect(first.stdout).toMatch(/analyze +done +1,200 functions/);
    expect(first.stdout).toContain(`→ ${store}/runs/local/cli-demo/local/01-analyze/`);
    expect(await readdir(join(store, 'runs/local/cli-demo/local/01-analyze/dataset'))).toEqual(['test.jsonl.gz', 'train.jsonl.gz', 'validation.jsonl.gz']);
    // The logs sit beside the artifacts of a local store: nothing is written to the working directory
    // (the image's /app is read-only).
    expect(await readdir(join(store, 'logs/cli-demo'))).toContain('analyze.log');
    expect(await readdir(work)).not.toContain('.bugforge');

    const second = await bugforge(['run', '--local', '-f', file, '--store', store, '--no-progress', '--only', 'analyze']);
    expect(second.stdout).toMatch(/analyze +up to date +1,200 functions/);
    expect(second.stdout).toContain('PipelineRun cli-demo: Succeeded');
  }, 300_000); // four TypeScript processes on a busy machine
});

describe('defaultLogDir', () => {
  const run = { metadata: { name: 'r1' } } as PipelineRun;
  it('is <store>/logs/<run> for a local store (path or file:// URI), ./.bugforge/logs/<run> for S3', () => {
    expect(defaultLogDir(run, '/data/store')).toBe('/data/store/logs/r1');
    expect(defaultLogDir(run, 'file:///data/store')).toBe('/data/store/logs/r1');
    expect(defaultLogDir(run, '.bugforge')).toBe(join(process.cwd(), '.bugforge/logs/r1'));
    expect(defaultLogDir(run, 's3://bucket/prefix')).toBe(join(process.cwd(), '.bugforge/logs/r1'));
  });
});

describe('formatSummary', () => {
  const planned = (stage: string, decision: object) => ({ stage, decision }) as LocalRunResult['stages'][number]['planned'];
  const unit = (stage: string, ok: boolean, summary?: object) => ({ stage, ok, exitCode: ok ? 0 : 1, summary, logFile: '/tmp/x.log', durationMs: 10 }) as LocalRunResult['stages'][number]['units'][number];

  it('says Failed, names the failed unit and its log, and marks later stages as not run', () => {
    const result: LocalRunResult = {
      ok: false,
      artifacts: '/store/runs/local/r/local',
      stages: [
        { planned: planned('analyze', { kind: 'run', force: false }), units: [unit('analyze', false, { headline: 'dataset.uri x: no such file or directory' })] },
        { planned: planned('merge', { kind: 'run', force: false }), units: [] },
      ],
    };
    expect(runStatus(result)).toBe('Failed');
    const text = formatSummary('r', result);
    expect(text).toContain('PipelineRun r: Failed');
    expect(text).toContain('analyze   FAILED');
    expect(text).toContain('✘ analyze: dataset.uri x: no such file or directory (log: ');
    expect(text).toContain('merge     — not run: an earlier stage failed');
  });

  it('says Succeeded only when every planned stage ran (disabled ones aside)', () => {
    const ok = (stage: string) => ({ planned: planned(stage, { kind: 'run', force: false }), units: [unit(stage, true, { headline: 'fine' })] });
    expect(runStatus({ ok: true, artifacts: '', stages: [ok('analyze'), { planned: planned('generate', { kind: 'disabled', why: 'off' }), units: [] }] })).toBe('Succeeded');
    expect(runStatus({ ok: true, artifacts: '', stages: [ok('analyze'), { planned: planned('generate', { kind: 'unavailable' }), units: [] }] })).toBe('Incomplete');
  });

  it('prints a stage\'s warnings under its line (evaluate: a detector no better than the majority class)', () => {
    const warning = 'The detector is indistinguishable from the majority baseline (always answering one class): accuracy 0.500 against 0.500';
    const text = formatSummary('r', { ok: true, artifacts: '/a', stages: [{ planned: planned('evaluate', { kind: 'run', force: false }), units: [unit('evaluate', true, { headline: '⚠ see the warning in the report — test accuracy 0.500', warnings: [warning] })] }] });
    expect(text).toContain(`⚠ ${warning}`);
    expect(text.indexOf('⚠ The detector')).toBeGreaterThan(text.indexOf('evaluate  done'));
  });
});
