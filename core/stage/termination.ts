// The short JSON summary a stage leaves for the operator: Kubernetes copies the container's
// termination-log file (default /dev/termination-log) into the Pod status, so the operator
// needs no access to the artifact store. The test kubelet passes its own path in
// BUGFORGE_TERMINATION_LOG because a local process cannot write /dev/termination-log.
import { existsSync, writeFileSync } from 'node:fs';

const LIMIT = 4096; // Kubernetes keeps at most 4096 bytes of a termination message.

export function terminationLogPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.BUGFORGE_TERMINATION_LOG) return env.BUGFORGE_TERMINATION_LOG;
  return existsSync('/dev/termination-log') ? '/dev/termination-log' : undefined;
}

/** Fits the summary into the 4 KiB limit by dropping the bulkiest fields first. */
export function terminationMessage(summary: Record<string, unknown>): string {
  let text = JSON.stringify(summary);
  const value = { ...summary };
  const byBulk = () => Object.keys(value).sort((a, b) => JSON.stringify(value[b]).length - JSON.stringify(value[a]).length);
  while (Buffer.byteLength(text) > LIMIT) {
    const bulkiest = byBulk().find((k) => !['stage', 'unit', 'status', 'headline'].includes(k));
    if (!bulkiest) {
      text = JSON.stringify({ stage: value.stage, status: value.status, headline: String(value.headline ?? '').slice(0, 1000) });
      break;
    }
    delete value[bulkiest];
    value.truncated = true;
    text = JSON.stringify(value);
  }
  return text;
}

export function writeTerminationMessage(summary: Record<string, unknown>, path = terminationLogPath()): void {
  if (!path) return;
  try {
    writeFileSync(path, terminationMessage(summary));
  } catch {
    // A missing or read-only termination log must never fail the stage itself.
  }
}
