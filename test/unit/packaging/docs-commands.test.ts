// The documented Kubernetes commands name the namespace wherever it matters: a PipelineRun applied
// without one lands in `default`, where the storage Secret does not exist, and its Pods never start.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helm.js';

/** The shell code blocks of a Markdown text (optionally only under one `## ` heading), one command a line. */
function shellCommands(markdown: string, section?: string): string[] {
  let text = markdown;
  if (section) {
    const start = text.indexOf(`\n## ${section}\n`);
    if (start < 0) throw new Error(`no section "## ${section}"`);
    const end = text.indexOf('\n## ', start + 1);
    text = text.slice(start, end < 0 ? undefined : end);
  }
  const blocks = [...text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Each `kubectl …` invocation in a command line (pipes, $(…), && and ; split it). */
function kubectlCalls(line: string): string[] {
  return line.split(/\||&&|;|\$\(|\)/).map((s) => s.trim()).filter((s) => /^kubectl\s/.test(s));
}

/** Namespaced things whose kubectl calls must say where: runs, their Jobs, Pods, Secrets, examples. */
const NAMESPACED = /pipelineruns?\b|manifests\/examples\/|\bjobs?\b|job\/|deploy\/|\bsecret\b|svc\/|port-forward|\bpods?\b/;
const HAS_NAMESPACE = /(^|\s)(-n\s+\S+|--namespace[=\s]\S+|-A|--all-namespaces)(\s|$)/;

const files: [string, string | undefined][] = [['README.md', 'Running on Kubernetes'], ['docs/install.md', undefined]];

describe.each(files)('%s', (file, section) => {
  const commands = shellCommands(readFileSync(path.join(repoRoot, file), 'utf8'), section);

  it('has kubectl commands for PipelineRuns (the check below reads something)', () => {
    expect(commands.flatMap(kubectlCalls).filter((c) => /pipelinerun/.test(c)).length).toBeGreaterThan(0);
  });

  it('every kubectl call on a namespaced object names its namespace (-n, --namespace or -A)', () => {
    const missing = commands.flatMap(kubectlCalls).filter((c) => NAMESPACED.test(c) && !/^kubectl (create namespace|delete namespace|delete crd)\b|crds\//.test(c) && !HAS_NAMESPACE.test(c));
    expect(missing).toEqual([]);
  });

  it('applies the quickstart in the namespace the chart was installed in (where the storage Secret is)', () => {
    const release = commands.map((c) => /^helm install \S+ \S+ .*?(?:--namespace|-n)[=\s](\S+)/.exec(c)?.[1]).find(Boolean);
    expect(release).toBeDefined();
    const applies = commands.flatMap(kubectlCalls).filter((c) => c.includes('manifests/examples/quickstart.yaml') || (/apply -f -/.test(c) && commands.some((l) => l.includes('quickstart.yaml') && l.includes(c))));
    expect(applies.length).toBeGreaterThan(0);
    for (const c of applies) expect(c).toMatch(new RegExp(`(-n|--namespace)[=\\s]${release}\\b`));
  });
});
