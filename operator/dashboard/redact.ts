// Keeps secret values off every page and log view: values the server knows to be secret (store
// keys it read, secret-looking environment variables) are replaced wherever they appear, and
// secret-bearing fields, bearer tokens and API-key-shaped strings are masked by their shape.

export const REDACTED = '[redacted]';

const SECRET_FIELD = /((?<![A-Za-z])"?(?:api[_-]?key|secret[_-]?key|access[_-]?key|secret|password|passwd|token|authorization|x-api-key)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,}&]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const KEY_SHAPED = /\b(?:sk|rk|pk)-[A-Za-z0-9_-]{16,}\b/g;
const AWS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Redactor {
  private known: string[] = [];
  private knownPattern: RegExp | undefined;

  constructor(values: Iterable<string> = []) {
    this.add(values);
  }

  /** Values to replace wherever they appear (shorter than 4 characters: too common to replace). */
  add(values: Iterable<string>): void {
    const next = new Set(this.known);
    for (const v of values) if (typeof v === 'string' && v.length >= 4) next.add(v);
    if (next.size === this.known.length) return;
    this.known = [...next].sort((a, b) => b.length - a.length);
    this.knownPattern = new RegExp(this.known.map(escapeRegExp).join('|'), 'g');
  }

  text(input: string): string {
    let out = input;
    if (this.knownPattern) out = out.replace(this.knownPattern, REDACTED);
    return out
      .replace(SECRET_FIELD, (_m, head: string, value: string) => `${head}${value.startsWith('"') ? `"${REDACTED}"` : REDACTED}`)
      .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
      .replace(KEY_SHAPED, REDACTED)
      .replace(AWS_KEY_ID, REDACTED)
      .replace(URL_PASSWORD, (_m, head: string) => `${head}${REDACTED}@`);
  }

  /** A JSON value with every string redacted (keys kept). */
  value<T>(input: T): T {
    if (typeof input === 'string') return this.text(input) as T;
    if (Array.isArray(input)) return input.map((v) => this.value(v)) as T;
    if (input && typeof input === 'object') {
      return Object.fromEntries(Object.entries(input as Record<string, unknown>).map(([k, v]) => [k, this.value(v)])) as T;
    }
    return input;
  }
}

const SECRET_ENV = /(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL)/i;

/** Values of this process's secret-looking environment variables (AWS_SECRET_ACCESS_KEY, OPENAI_API_KEY, …). */
export function secretEnvValues(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env).filter(([k, v]) => SECRET_ENV.test(k) && typeof v === 'string' && v.length >= 4).map(([, v]) => v as string);
}
