/** Small wrappers over the host tools the node is built from (ip, iptables, ctr, mount). */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

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

/** kubectl: $KUBECTL, else the one on PATH, else scripts/get-helm.sh's .cache/bin/kubectl (fetched if missing). */
export function kubectlBinary(): string {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  if (have("kubectl")) return "kubectl";
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
  const local = path.join(root, ".cache/bin/kubectl");
  if (!existsSync(local)) sh("bash", [path.join(root, "scripts/get-helm.sh")], { timeoutMs: 300_000 });
  return local;
}
