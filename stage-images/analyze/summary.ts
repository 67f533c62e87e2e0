// The readable side of analysis.json: the headline and summary.md (pure).
import { SPLITS } from '../../core/records/record.js';
import type { DatasetAnalysis, Distribution } from './statistics.js';

const int = (n: number) => n.toLocaleString('en-US');
/** A share as a percentage, from the counts (analysis.json's shares are already rounded to 4 digits: rounding those again shows 910 of 2,020 as 45.1%). */
const pct = (part: number, whole: number) => `${whole ? ((part / whole) * 100).toFixed(1) : '0.0'}%`;

export function headlineOf(a: DatasetAnalysis): string {
  const splits = SPLITS.filter((s) => a.splits[s].count > 0).length;
  return `${int(a.total)} functions (${pct(a.buggy, a.total)} buggy) · ${splits} split${splits === 1 ? '' : 's'} · ${int(a.malformed.total)} malformed`;
}

const distRow = (name: string, d: Distribution) => `| ${name} | ${int(d.p50)} | ${int(d.p90)} | ${int(d.p99)} | ${int(d.max)} | ${d.mean.toFixed(1)} |`;

export function summaryMarkdown(a: DatasetAnalysis, source: string, topProjects = 10): string {
  const lines: string[] = [];
  lines.push(`# Data set analysis`, '', `Source: ${source}`, '', `**${headlineOf(a)}**`, '');
  lines.push('## Splits', '', '| split | functions | buggy | clean | buggy share | languages |', '|---|---:|---:|---:|---:|---|');
  for (const s of SPLITS) {
    const x = a.splits[s];
    lines.push(`| ${s} | ${int(x.count)} | ${int(x.buggy)} | ${int(x.clean)} | ${pct(x.buggy, x.count)} | ${Object.entries(x.langs).map(([l, n]) => `${l} ${int(n)}`).join(', ') || '—'} |`);
  }
  lines.push(`| **all** | ${int(a.total)} | ${int(a.buggy)} | ${int(a.total - a.buggy)} | ${pct(a.buggy, a.total)} | ${Object.entries(a.overall.langs).map(([l, n]) => `${l} ${int(n)}`).join(', ') || '—'} |`, '');
  lines.push('## Length (all splits)', '', '| metric | p50 | p90 | p99 | max | mean |', '|---|---:|---:|---:|---:|---:|');
  lines.push(distRow('characters', a.overall.chars), distRow('lines', a.overall.lines), distRow('tokens', a.overall.tokens), '', `Percentiles: ${a.percentiles.method}.`, '');
  const projects = Object.entries(a.projects);
  lines.push('## Projects', '', '| project | functions | buggy share |', '|---|---:|---:|');
  for (const [name, p] of projects.slice(0, topProjects)) lines.push(`| ${name} | ${int(p.count)} | ${pct(p.buggy, p.count)} |`);
  if (projects.length > topProjects) lines.push(`| … ${projects.length - topProjects} more | | |`);
  const d = a.duplicates;
  lines.push('', '## Exact duplicates', '', `${d.method}; ${int(d.distinctFunctions)} distinct functions.`, '');
  lines.push('| where | count |', '|---|---:|');
  for (const s of SPLITS) lines.push(`| repeated within ${s} | ${int(d.withinSplit[s])} |`);
  for (const [pair, n] of Object.entries(d.acrossSplits)) lines.push(`| shared by ${pair.replace('-', ' and ')} | ${int(n)} |`);
  lines.push(`| same code with both labels | ${int(d.conflictingLabels)} |`, '');
  lines.push('## Malformed rows', '');
  if (a.malformed.total === 0) lines.push('None.');
  else {
    lines.push(`${int(a.malformed.total)} rows set aside (see malformed.jsonl.gz, each with its reason and file:row):`, '', '| reason | rows |', '|---|---:|');
    for (const [reason, n] of Object.entries(a.malformed.byReason)) lines.push(`| ${reason} | ${int(n)} |`);
  }
  return lines.join('\n') + '\n';
}
