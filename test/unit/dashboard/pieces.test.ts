// The dashboard's pure parts: secret redaction, logs in words, the stage graph, runs compared.
import { describe, expect, it } from 'vitest';
import { validatePipelineRun } from '../../../api/v1alpha1/validate.js';
import { compareView, flatten } from '../../../operator/dashboard/compare.js';
import { buildGraph } from '../../../operator/dashboard/graph.js';
import { formatLogLine } from '../../../operator/dashboard/log-format.js';
import type { CompareEntry } from '../../../operator/dashboard/model.js';
import { Redactor, secretEnvValues } from '../../../operator/dashboard/redact.js';

const spec = (s: Record<string, unknown> = {}) => validatePipelineRun({ apiVersion: 'bugforge.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'r' }, spec: s }, 'test').spec;

describe('Redactor', () => {
  const r = new Redactor(['hunter2-store-key']);

  it('replaces known secret values wherever they appear', () => {
    expect(r.text('connecting with hunter2-store-key to s3')).toBe('connecting with [redacted] to s3');
    expect(r.value({ a: ['x hunter2-store-key y'] })).toEqual({ a: ['x [redacted] y'] });
  });

  it('masks secret-bearing fields, bearer tokens, API-key-shaped strings and URL passwords by their shape', () => {
    expect(r.text('{"apiKey":"abc123def456","model":"m"}')).toBe('{"apiKey":"[redacted]","model":"m"}');
    expect(r.text('AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI password: letmein')).toBe('AWS_SECRET_ACCESS_KEY=[redacted] password: [redacted]');
    expect(r.text('header Bearer eyJhbGciOiJIUzI1NiJ9.payload')).toBe('header Bearer [redacted]');
    expect(r.text('key sk-proj0123456789abcdefXYZ used')).toBe('key [redacted] used');
    expect(r.text('id AKIAIOSFODNN7EXAMPLE')).toBe('id [redacted]');
    expect(r.text('http://user:pa55word@minio:9000/b')).toBe('http://user:[redacted]@minio:9000/b');
  });

  it('leaves references to secrets and look-alike settings alone', () => {
    for (const text of ['credentialsSecret: minio-credentials', '"apiKeySecret":{"name":"llm","key":"apiKey"}', 'maxTokens: 512', 'tokens=76']) {
      expect(r.text(text)).toBe(text);
    }
  });

  it('knows the secret-looking environment variables', () => {
    expect(secretEnvValues({ AWS_SECRET_ACCESS_KEY: 'abcd1234', OPENAI_API_KEY: 'sk-zzzz', HOME: '/root', SHORT_TOKEN: 'ab' }).sort()).toEqual(['abcd1234', 'sk-zzzz']);
  });
});

describe('formatLogLine', () => {
  it('turns a pino JSON line into time, level, message and the other fields', () => {
    const line = JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 2, 3, 4, 5, 678), pid: 1, hostname: 'h', name: 'bugforge.filter', msg: 'kept 92 of 120', stage: 'filter', counts: { kept: 92 } });
    expect(formatLogLine(line)).toBe('03:04:05.678  INFO   kept 92 of 120  stage=filter  counts={"kept":92}');
  });

  it('shows an error\'s stack on its own lines, and passes other lines as they are', () => {
    const line = JSON.stringify({ level: 50, time: 0, msg: 'failed', err: { message: 'boom', stack: 'Error: boom\n    at x.ts:1' } });
    expect(formatLogLine(line)).toBe('00:00:00.000  ERROR  failed  \nError: boom\n    at x.ts:1');
    expect(formatLogLine('plain text line')).toBe('plain text line');
    expect(formatLogLine('{not json')).toBe('{not json');
  });
});

describe('buildGraph', () => {
  it('fans generate out into its batches and takes states from the observations', () => {
    const graph = buildGraph({
      spec: spec({ generation: { batches: 3 } }), phase: 'Running',
      stage: (s) => (s === 'analyze' ? { state: 'Succeeded', startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:00:02Z', headline: 'h', counts: { functions: 9 } } : s === 'generate' ? { state: 'Running' } : undefined),
      unit: (_s, u) => (u === 'batch-0001' ? { state: 'Failed', message: 'exit 1' } : undefined),
    });
    expect(graph.map((s) => s.node.state)).toEqual(['Succeeded', 'Running', 'Pending', 'Pending', 'Pending', 'Pending']);
    expect(graph[0].node).toMatchObject({ durationMs: 2000, headline: 'h', counts: { functions: 9 }, hasLog: true });
    expect(graph[1].units?.map((u) => `${u.id}:${u.state}`)).toEqual(['generate/batch-0000:Pending', 'generate/batch-0001:Failed', 'generate/batch-0002:Pending']);
    expect(graph[3].needs).toEqual(['analyze', 'filter']);
  });

  it('shows stages the spec turns off as Skipped (with why), and unfinished nodes of a cancelled run as Cancelled', () => {
    const graph = buildGraph({ spec: spec({ generation: { enabled: false } }), phase: 'Cancelled', stage: (s) => (s === 'analyze' ? { state: 'Running' } : undefined), unit: () => undefined });
    expect(graph.map((s) => s.node.state)).toEqual(['Cancelled', 'Skipped', 'Skipped', 'Cancelled', 'Cancelled', 'Cancelled']);
    expect(graph[1].disabledWhy).toContain('generation.enabled is false');
    expect(graph[1].units).toBeUndefined();
  });
});

describe('compareView', () => {
  const entry = (name: string, s: Record<string, unknown>): CompareEntry => ({ summary: { namespace: 'n', name, uid: '', phase: 'Succeeded' }, spec: s, metrics: {}, curves: {} });

  it('lists only the spec fields whose values differ, unset ones included', () => {
    const view = compareView([entry('a', { generation: { batches: 2, provider: 'mutation' }, split: { seed: 1 } }), entry('b', { generation: { batches: 4, provider: 'mutation' } })]);
    expect(view.differences).toEqual([
      { path: 'generation.batches', values: ['2', '4'] },
      { path: 'split.seed', values: ['1', undefined] },
    ]);
    expect([...flatten({ a: { b: [1, 2] } })]).toEqual([['a.b', '[1,2]']]);
  });
});
