/**
 * One real node per machine: a lock file holding the owner's pid. A lock whose owner is gone (a test
 * run killed by a timeout) is taken over; the new owner then cleans up what the old one left.
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync, mkdirSync } from "node:fs";
import path from "node:path";
import { paths } from "./layout.js";
import { sleep } from "./sh.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function owner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export interface NodeLock {
  release(): void;
}

/** Waits (up to timeoutMs, default 30 min) until this process holds the machine's node lock. */
export async function acquireNodeLock(opts: { timeoutMs?: number; file?: string; log?: (m: string) => void } = {}): Promise<NodeLock> {
  const file = opts.file ?? paths.lock;
  mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  let told = false;
  for (;;) {
    try {
      const fd = openSync(file, "wx", 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        release() {
          if (owner(file) === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const pid = owner(file);
    if (pid === process.pid) throw new Error(`the real node's lock ${file} is already held by this process`);
    if (pid === undefined || !alive(pid)) {
      // The owner died without releasing it; take it over (the caller cleans up its leftovers).
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the real node is in use by pid ${pid} (lock ${file}); one node per machine`);
    if (!told) opts.log?.(`waiting for the real node held by pid ${pid} (${file})`);
    told = true;
    await sleep(2000);
  }
}
