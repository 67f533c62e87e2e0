// The condition and Event reasons are one documented vocabulary: every constant in
// api/v1alpha1/reasons.ts is listed in the README's "Condition and Event reasons" table, and the
// reconcile writes no reason outside it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REASONS } from '../../../api/v1alpha1/reasons.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('### Condition and Event reasons'), readme.indexOf('## The cluster verbs'));

describe('condition and Event reasons', () => {
  it('each named constant is listed in the README table (and the table names no other)', () => {
    const listed = new Set([...section.matchAll(/`([A-Z][A-Za-z]+)`/g)].map((m) => m[1]));
    for (const reason of Object.values(REASONS)) expect(listed, reason).toContain(reason);
    const known = new Set<string>([...Object.values(REASONS), 'Succeeded', 'PodsPending']);
    expect([...listed].filter((r) => !known.has(r))).toEqual([]);
  });

  it('names equal their values (a reason reads the same in code, conditions and alerts)', () => {
    for (const [name, value] of Object.entries(REASONS)) expect(value).toBe(name);
  });
});
