// metav1.Condition bookkeeping, as apimachinery's meta.SetStatusCondition does it: the
// lastTransitionTime moves only when the condition's status changes, so an unchanged run
// produces an identical status (and no write).
import type { Condition } from '../../api/v1alpha1/status.js';

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export function setCondition(previous: Condition[] | undefined, next: ConditionInput, now: string): Condition {
  const old = previous?.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now;
  return { ...next, lastTransitionTime };
}

/** JSON with sorted keys: equal for equal values whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export const sameValue = (a: unknown, b: unknown): boolean => canonicalJson(a ?? {}) === canonicalJson(b ?? {});

/** metav1.Time: RFC 3339, whole seconds. */
export const metaTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
