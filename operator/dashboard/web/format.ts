// Numbers, sizes, durations and ages as people read them.

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function between(start?: string, end?: string, now = Date.now()): number | undefined {
  if (!start) return undefined;
  const a = Date.parse(start);
  const b = end ? Date.parse(end) : now;
  return Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, b - a) : undefined;
}

export function age(time?: string, now = Date.now()): string {
  const ms = between(time, undefined, now);
  if (ms === undefined) return '';
  return `${duration(ms).replace(/ (\d+s|\d+m)$/, '')} ago`;
}

export function bytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const metric = (v: number | undefined, digits = 3): string => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

export const counts = (c: Record<string, number> | undefined): string =>
  c ? Object.entries(c).slice(0, 6).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(' · ') : '';

/** A timestamp as a short local time (with the date when it is not today). */
export function clock(time: string | undefined, now = new Date()): string {
  if (!time) return '';
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return time;
  const hms = d.toLocaleTimeString('en-GB', { hour12: false });
  return d.toDateString() === now.toDateString() ? hms : `${d.toISOString().slice(0, 10)} ${hms}`;
}
