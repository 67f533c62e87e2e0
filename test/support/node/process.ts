/** The node's long-running processes (containerd, kubelet, kube-proxy): logs to files, pid files for teardown. */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { paths } from "./layout.js";

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** undefined while running. */
  exitCode(): number | null | undefined;
  /** The last lines of its log. */
  tail(lines?: number): string;
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Starts `bin args`, logging to <logs>/<name>.log, its pid in <run>/pids/<name>.pid. */
export function launch(name: string, bin: string, args: string[], env: Record<string, string> = {}): NodeProcess {
  mkdirSync(paths.logs, { recursive: true });
  mkdirSync(paths.pids, { recursive: true });
  const logFile = path.join(paths.logs, `${name}.log`);
  const out = createWriteStream(logFile, { flags: "a" });
  // BUGFORGE_EXIT_WITH_PARENT: the kubelet and kube-proxy built in test/controlplane stop when the test runner dies.
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, KUBECONFIG: "", BUGFORGE_EXIT_WITH_PARENT: "1", ...env } });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  if (child.pid) writeFileSync(path.join(paths.pids, `${name}.pid`), `${child.pid}\n`);
  let code: number | null | undefined;
  live.add(child);
  child.on("exit", (c, signal) => {
    live.delete(child);
    code = c ?? (signal ? -1 : null);
    out.end(`\n[node] ${name} exited code=${c} signal=${signal}\n`);
  });
  child.on("error", (err) => {
    live.delete(child);
    code = -1;
    out.end(`\n[node] ${name} failed to start: ${err.message}\n`);
  });
  if (!hooked) {
    hooked = true;
    // Last resort when the runner exits without stop(): the next startNode() cleans up the rest.
    process.on("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
  return {
    name,
    child,
    logFile,
    exitCode: () => code,
    tail(lines = 30) {
      try {
        return readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n");
      } catch {
        return "";
      }
    },
  };
}
