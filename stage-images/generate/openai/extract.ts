// Reads the model's answer: a JSON object, possibly in a ```json fence or surrounded by prose.
// Hand-written: a small brace scanner that respects JSON strings; JSON.parse does the parsing.

export interface BugAnswer { function: string; bug_type?: string; explanation?: string }

export type Extracted = { ok: true; answer: BugAnswer } | { ok: false; reason: 'not-json' | 'no-function'; detail: string };

/** Candidate JSON texts in order: the whole answer, fenced blocks, then each balanced {...} in the text. */
function* jsonCandidates(text: string): Generator<string> {
  yield text.trim();
  for (const m of text.matchAll(/```(?:json|JSON)?[ \t]*\n([\s\S]*?)```/g)) yield m[1].trim();
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    const end = balancedEnd(text, start);
    if (end > start) yield text.slice(start, end + 1);
  }
}

/** Index of the `}` that closes the `{` at `start`, or -1. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return -1;
}

export function extractAnswer(content: string): Extracted {
  let sawObject = false;
  for (const candidate of jsonCandidates(content)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    sawObject = true;
    const record = value as Record<string, unknown>;
    const func = record.function ?? record.func ?? record.code;
    if (typeof func === 'string' && func.trim() !== '') {
      return {
        ok: true,
        answer: {
          function: stripFence(func),
          ...(typeof record.bug_type === 'string' ? { bug_type: record.bug_type } : {}),
          ...(typeof record.explanation === 'string' ? { explanation: record.explanation.slice(0, 500) } : {}),
        },
      };
    }
  }
  return sawObject
    ? { ok: false, reason: 'no-function', detail: 'the JSON answer has no non-empty "function" field' }
    : { ok: false, reason: 'not-json', detail: 'no JSON object found in the answer' };
}

/** Some models wrap the code inside the JSON string in a fence too. */
function stripFence(code: string): string {
  const m = /^\s*```[a-zA-Z]*\n([\s\S]*?)\n?```\s*$/.exec(code);
  return m ? m[1] : code;
}
