// What the local runner shows while it works: live bars on a terminal, plain lines otherwise.
import cliProgress from 'cli-progress';
import type { ProgressUpdate } from '../../core/stage/progress.js';
import type { PlannedStage } from './plan.js';
import type { UnitResult } from './unit-result.js';

export interface RunDisplay {
  planned(plan: PlannedStage[]): void;
  unitStarted(label: string): void;
  unitProgress(label: string, update: ProgressUpdate): void;
  unitFinished(label: string, result: UnitResult): void;
  stop(): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const headline = (r: UnitResult) => String(r.summary?.headline ?? (r.ok ? 'done' : `exit code ${r.exitCode}`));

export function describeDecision(p: PlannedStage): string {
  const d = p.decision;
  switch (d.kind) {
    case 'run': return d.units ? `${d.units.length} batches` : 'run';
    case 'disabled': return `off: ${d.why}`;
    case 'unavailable': return 'not available in this build yet';
    case 'blocked': return `not run: needs ${d.by}, which is not available yet`;
  }
}

export function plainDisplay(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): RunDisplay {
  return {
    planned(plan) {
      write(`plan: ${plan.map((p) => `${p.stage} (${describeDecision(p)})`).join(' → ')}`);
    },
    unitStarted(label) {
      write(`▶ ${label}`);
    },
    unitProgress() {},
    unitFinished(label, r) {
      write(`${r.ok ? '✔' : '✘'} ${label} ${r.summary?.status === 'cached' ? '(up to date) ' : ''}${seconds(r.durationMs)} — ${headline(r)}`);
    },
    stop() {},
  };
}

export function terminalDisplay(): RunDisplay {
  const bars = new cliProgress.MultiBar({
    format: ' {label} |{bar}| {value}/{total} {phase}',
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    barsize: 24,
    stream: process.stderr,
  }, cliProgress.Presets.shades_classic);
  const active = new Map<string, cliProgress.SingleBar>();
  const plain = plainDisplay((line) => bars.log(line + '\n'));
  return {
    planned: plain.planned,
    unitStarted(label) {
      active.set(label, bars.create(1, 0, { label: label.padEnd(22), phase: 'starting' }));
    },
    unitProgress(label, u) {
      const bar = active.get(label);
      if (!bar) return;
      bar.setTotal(u.total ?? Math.max(u.done, 1));
      bar.update(u.done, { phase: u.label });
    },
    unitFinished(label, r) {
      const bar = active.get(label);
      if (bar) {
        bars.remove(bar);
        active.delete(label);
      }
      plain.unitFinished(label, r);
      bars.update(); // bars.log() only buffers; render now, or stop() would drop the line
    },
    stop() {
      bars.stop();
    },
  };
}
