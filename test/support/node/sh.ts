/** Small wrappers over the host tools the node is built from (ip, iptables, ctr, mount). */
import { spawnSync } from "node:child_process";

export interface ShResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command and returns its output; throws with stderr when it fails (unless allowFail). */
export function sh(cmd: string, args: string[], opts: { allowFail?: boolean; input?: string; timeoutMs?: number } = {}): ShResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", input: opts.input, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
  const res = { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
  if (!opts.allowFail && r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}): ${res.stderr.trim() || res.stdout.trim()}`);
  }
  return res;
}

/** True when the command exists on PATH. */
export function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).status === 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
