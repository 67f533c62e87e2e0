// The example PipelineRuns are valid: through the same loader `bugforge validate` uses, and the
// CLI command itself on one of them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipelineRunFile } from '../../../core/pipeline-run-file.js';
import { parseManifests, repoRoot } from './helm.js';

const examplesDir = path.join(repoRoot, 'manifests/examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml')).sort();

describe('manifests/examples', () => {
  it('has the four documented examples', () => {
    expect(examples).toEqual(['devign.yaml', 'gpu.yaml', 'llm.yaml', 'quickstart.yaml']);
  });

  it.each(examples)('%s is a valid PipelineRun', async (file) => {
    const run = await loadPipelineRunFile(path.join(examplesDir, file));
    expect(run.kind).toBe('PipelineRun');
    expect(run.metadata.name).toMatch(/^[a-z0-9-]+$/);
  });

  it('`bugforge validate -f` accepts quickstart.yaml and refuses a broken copy, naming the field', () => {
    const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli/main.ts'), ...args], { cwd: repoRoot, encoding: 'utf8' });
    const ok = cli(['validate', '-f', path.join(examplesDir, 'quickstart.yaml')]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('valid PipelineRun quickstart');
    const broken = readFileSync(path.join(examplesDir, 'quickstart.yaml'), 'utf8').replace('batches: 2', 'batches: 0');
    const brokenFile = path.join(mkdtempSync(path.join(tmpdir(), 'bugforge-example-')), 'broken.yaml');
    writeFileSync(brokenFile, broken);
    const bad = cli(['validate', '-f', brokenFile]);
    expect(bad.status, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('generation.batches');
  });

  it('quickstart runs offline on CPU: demo data, mutation generator, TF-IDF, no GPU', async () => {
    const run = await loadPipelineRunFile(path.join(examplesDir, 'quickstart.yaml'));
    expect(run.spec.dataset.source).toBe('demo');
    expect(run.spec.generation.provider).toBe('mutation');
    expect(run.spec.training.features).toBe('tfidf');
    expect(run.spec.training.gpus).toBe(0);
  });

  it('llm.yaml ships the Secret its PipelineRun references, with a placeholder key', async () => {
    const objs = parseManifests(readFileSync(path.join(examplesDir, 'llm.yaml'), 'utf8'));
    const run = await loadPipelineRunFile(path.join(examplesDir, 'llm.yaml'));
    const ref = run.spec.generation.openai?.apiKeySecret;
    expect(run.spec.generation.provider).toBe('openai');
    expect(ref).toBeDefined();
    const secret = objs.find((o) => o.kind === 'Secret' && o.metadata.name === ref?.name);
    expect(secret?.stringData?.[ref!.key]).toBe('replace-me');
  });

  it('gpu.yaml asks for one GPU with encoder features and tolerates the nvidia.com/gpu taint', async () => {
    const run = await loadPipelineRunFile(path.join(examplesDir, 'gpu.yaml'));
    expect(run.spec.training.gpus).toBe(1);
    expect(run.spec.training.features).toBe('encoder');
    expect(run.spec.training.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
  });
});
