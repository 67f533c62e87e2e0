// Stage logs for people: pino's JSON lines become `12:01:02.345 INFO  message  key=value`, other
// lines pass as they are. Lines are redacted (./redact.ts) before they leave the server.

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'name', 'v']);

const clock = (ms: unknown): string => {
  if (typeof ms !== 'number') return '';
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(11, 23);
};

const shortValue = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
};

/** One raw log line, human-readable (multi-line messages keep their lines). */
export function formatLogLine(raw: string): string {
  const line = raw.replace(/\r$/, '');
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (!entry || typeof entry !== 'object' || (!('msg' in entry) && !('level' in entry))) return line;
  const level = typeof entry.level === 'number' ? (LEVELS[entry.level] ?? String(entry.level)) : String(entry.level ?? '');
  const extras: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    if (key === 'err' && value && typeof value === 'object') {
      const err = value as { message?: string; stack?: string };
      extras.push(`\n${err.stack ?? err.message ?? JSON.stringify(err)}`);
      continue;
    }
    extras.push(`${key}=${shortValue(value)}`);
  }
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  return [clock(entry.time), level.padEnd(5), msg, ...extras].filter((p) => p !== '').join('  ').trimEnd();
}

/** Splits a stream of text chunks into lines (the last, unfinished line is held until its end). */
export async function* lines(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let at: number;
    while ((at = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, at);
      rest = rest.slice(at + 1);
    }
  }
  if (rest) yield rest;
}
