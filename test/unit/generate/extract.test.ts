import { describe, expect, it } from 'vitest';
import { extractAnswer } from '../../../stage-images/generate/openai/extract.js';
import { backoffDelay, retryAfterMs } from '../../../stage-images/generate/openai/retry.js';
import { changedLineSpan } from '../../../stage-images/generate/mutation/edit.js';

const FUNC = 'int f(int n)\n{\n    if (n < 0) { return -1; }\n    return "}" [0];\n}';
const json = JSON.stringify({ function: FUNC, bug_type: 'off-by-one', explanation: 'x' });

describe('extracting the answer', () => {
  it('reads plain JSON', () => {
    expect(extractAnswer(json)).toEqual({ ok: true, answer: { function: FUNC, bug_type: 'off-by-one', explanation: 'x' } });
  });
  it('reads JSON in a ```json fence with prose around it', () => {
    const r = extractAnswer(`Sure! Here is the buggy version:\n\n\`\`\`json\n${json}\n\`\`\`\nLet me know.`);
    expect(r.ok && r.answer.function).toBe(FUNC);
  });
  it('reads a bare JSON object inside prose, with braces inside its strings', () => {
    const r = extractAnswer(`I changed the check {as asked}. ${json} Hope it helps }`);
    expect(r.ok && r.answer.function).toBe(FUNC);
  });
  it('unwraps a code fence inside the function string', () => {
    const r = extractAnswer(JSON.stringify({ function: '```c\nint g(void) { return 1; }\n```' }));
    expect(r.ok && r.answer.function).toBe('int g(void) { return 1; }');
  });
  it('says not-json for prose, no-function for JSON without a function', () => {
    expect(extractAnswer('I cannot help with that.')).toMatchObject({ ok: false, reason: 'not-json' });
    expect(extractAnswer('{"function": "int f(', )).toMatchObject({ ok: false, reason: 'not-json' });
    expect(extractAnswer('{"bug_type": "off-by-one", "function": ""}')).toMatchObject({ ok: false, reason: 'no-function' });
  });
});

describe('retry timing', () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  it('Retry-After in seconds, as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(retryAfterMs(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }), now)).toBe(7000);
    expect(retryAfterMs(headers({ 'retry-after': 'Thu, 01 Jan 2025 00:00:07 GMT' }), now)).toBe(0);
    expect(retryAfterMs(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': '86400' }), now, 900_000)).toBe(900_000);
  });
  it('full jitter: uniform below min(cap, base·2^attempt)', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(2, policy, () => 0)).toBe(0);
  });
});

describe('changed line span of an LLM answer', () => {
  it('spans the differing lines of the new text', () => {
    expect(changedLineSpan('a\nb\nc\nd', 'a\nB\nc\nd')).toEqual([2, 2]);
    expect(changedLineSpan('a\nb\nc\nd', 'a\nb\nx\ny\nc\nd')).toEqual([3, 4]);
    expect(changedLineSpan('a\nb\nc\nd', 'a\nd')).toEqual([2, 2]);
  });
});
