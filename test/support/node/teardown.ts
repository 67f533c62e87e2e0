/**
 * Removes everything the real node puts on the machine, in the order that leaves nothing behind:
 * the kubelet and kube-proxy first (so nothing restarts a container), then every container task
 * through containerd (containers outlive a killed kubelet), any process still in a Pod cgroup, the
 * shims and containerd, then mounts, Pod cgroups, iptables chains, the bridge, and the state folders.
 *
 * Idempotent and safe with nothing to do: startNode() runs it first (a run killed by a timeout leaves
 * its node behind) and stop() runs it last. Every step is attempted even when an earlier one fails;
 * the failures are returned (and thrown by stop()).
 */
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync, rmdirSync, statSync } from "node:fs";
import path from "node:path";
import { bridgeName, cniNetwork, mountRoots, nodeDir, paths, runDir } from "./layout.js";
import { sh, sleep } from "./sh.js";

export interface TeardownResult {
  /** What was found and removed (for the test log). */
  removed: string[];
  /** Steps that failed (message per step). */
  errors: string[];
}

function pidsFromFiles(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    const pid = Number(readFileSync(path.join(dir, f), "utf8").trim());
    if (Number.isInteger(pid) && pid > 0) out.set(f.replace(/\.pid$/, ""), pid);
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after graceMs; only pids whose command line still contains `expect`. */
async function stopPid(pid: number, expect: string, graceMs: number): Promise<boolean> {
  if (!alive(pid) || !cmdline(pid).includes(expect)) return false;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid, "SIGKILL");
  while (alive(pid)) await sleep(50);
  return true;
}

/** Processes whose command line names our containerd socket: the runc shims of this node's containerd. */
function shimPids(): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const c = cmdline(Number(e));
    if (c.includes("containerd-shim") && c.includes(paths.containerdSocket)) out.push(Number(e));
  }
  return out;
}

function ctr(args: string[], timeoutMs = 30_000) {
  return sh("ctr", ["--address", paths.containerdSocket, "--namespace", "k8s.io", ...args], { allowFail: true, timeoutMs });
}

/** Kills and deletes every task and container of this node's containerd (when it answers). */
async function removeContainers(removed: string[]): Promise<void> {
  if (!existsSync(paths.containerdSocket) || ctr(["version"], 5000).status !== 0) return;
  const tasks = ctr(["tasks", "ls", "-q"]).stdout.split("\n").filter(Boolean);
  for (const id of tasks) ctr(["tasks", "kill", "--all", "--signal", "SIGKILL", id]);
  for (const id of tasks) {
    for (let i = 0; i < 50 && /RUNNING|STOPPING/.test(ctr(["tasks", "ls"]).stdout.split("\n").find((l) => l.startsWith(id)) ?? ""); i++) await sleep(100);
    ctr(["tasks", "delete", "--force", id]);
  }
  const containers = ctr(["containers", "ls", "-q"]).stdout.split("\n").filter(Boolean);
  for (const id of containers) ctr(["containers", "delete", id]);
  if (tasks.length || containers.length) removed.push(`${tasks.length} tasks, ${containers.length} containers`);
}

/** Every cgroup folder under <controller>/kubepods, deepest first. */
function podCgroups(): string[] {
  const root = "/sys/fs/cgroup";
  const dirs: string[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e);
      try {
        if (statSync(p).isDirectory()) walk(p);
      } catch {
        /* gone */
      }
    }
    dirs.push(d);
  };
  let controllers: string[] = [];
  try {
    controllers = readdirSync(root);
  } catch {
    return [];
  }
  for (const c of controllers) {
    const k = path.join(root, c, "kubepods");
    if (existsSync(k)) walk(k);
  }
  return dirs.sort((a, b) => b.split("/").length - a.split("/").length);
}

function cgroupPids(dir: string): number[] {
  try {
    return readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function removeCgroups(removed: string[]): Promise<void> {
  // A Pod process left behind (containerd gone before its tasks were stopped) is killed by cgroup.
  let killed = 0;
  for (let round = 0; round < 20; round++) {
    const pids = podCgroups().flatMap(cgroupPids);
    if (!pids.length) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
        killed++;
      } catch {
        /* gone */
      }
    }
    await sleep(100);
  }
  const dirs = podCgroups();
  for (let round = 0; round < 20 && dirs.some(existsSync); round++) {
    for (const d of dirs) {
      try {
        rmdirSync(d);
      } catch {
        /* busy or gone: next round */
      }
    }
    if (dirs.some(existsSync)) await sleep(100);
  }
  const left = dirs.filter(existsSync);
  if (dirs.length) removed.push(`${dirs.length - left.length} pod cgroups${killed ? ` (${killed} leftover processes killed)` : ""}`);
  if (left.length) throw new Error(`cgroups still present: ${left.slice(0, 5).join(", ")}`);
}

/** Mount points under the node's folders, deepest first. */
function ourMounts(): string[] {
  const lines = readFileSync("/proc/self/mountinfo", "utf8").split("\n");
  const points = lines
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, " "))
    .filter((p) => mountRoots.some((r) => p === r || p.startsWith(r + "/")));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function unmountAll(removed: string[]): void {
  const mounts = ourMounts();
  for (const m of mounts) {
    if (sh("umount", [m], { allowFail: true }).status !== 0) sh("umount", ["-l", m], { allowFail: true });
  }
  const left = ourMounts();
  if (mounts.length) removed.push(`${mounts.length - left.length} mounts`);
  if (left.length) throw new Error(`still mounted: ${left.slice(0, 5).join(", ")}`);
}

/** Chains the kubelet, kube-proxy and CNI create (host-wide names). */
const ourChain = /^(KUBE-|CNI-)/;

function removeIptables(removed: string[]): void {
  let chains = 0;
  for (const bin of ["iptables", "ip6tables"]) {
    for (const table of ["filter", "nat", "mangle", "raw"]) {
      const listed = sh(bin, ["-w", "-t", table, "-S"], { allowFail: true });
      if (listed.status !== 0) continue;
      const lines = listed.stdout.split("\n");
      // Rules in built-in chains that jump into ours go first, then our chains (flush, then delete).
      for (const l of lines) {
        const m = /^-A (\S+) (.*-j (\S+).*)$/.exec(l);
        if (m && !ourChain.test(m[1]) && ourChain.test(m[3])) sh(bin, ["-w", "-t", table, "-D", m[1], ...splitRule(m[2])], { allowFail: true });
      }
      const ours = lines.map((l) => /^-N (\S+)$/.exec(l)?.[1]).filter((c): c is string => !!c && ourChain.test(c));
      for (const c of ours) sh(bin, ["-w", "-t", table, "-F", c], { allowFail: true });
      for (const c of ours) if (sh(bin, ["-w", "-t", table, "-X", c], { allowFail: true }).status === 0) chains++;
    }
  }
  // kube-proxy's nftables tables (it cleans up the mode it does not run, and may leave them).
  for (const family of ["ip", "ip6"]) sh("nft", ["delete", "table", family, "kube-proxy"], { allowFail: true });
  if (chains) removed.push(`${chains} iptables chains`);
  const left = ["iptables", "ip6tables"].flatMap((bin) => ["filter", "nat", "mangle"].flatMap((t) => sh(bin, ["-w", "-t", t, "-S"], { allowFail: true }).stdout.split("\n").filter((l) => /^-N (KUBE-|CNI-)/.test(l))));
  if (left.length) throw new Error(`iptables chains left: ${left.slice(0, 5).join("; ")}`);
}

/** iptables -S prints rules with quoted comments; split them back into arguments. */
function splitRule(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(rule); m; m = re.exec(rule)) out.push(m[1] !== undefined ? m[1].replace(/\\"/g, '"') : m[2]);
  return out;
}

function removeNetwork(removed: string[]): void {
  if (sh("ip", ["link", "show", bridgeName], { allowFail: true }).status === 0) {
    for (const l of sh("ip", ["-o", "link", "show", "master", bridgeName], { allowFail: true }).stdout.split("\n")) {
      const dev = /^\d+: ([^:@]+)/.exec(l)?.[1];
      if (dev) sh("ip", ["link", "delete", dev], { allowFail: true });
    }
    sh("ip", ["link", "delete", bridgeName]);
    removed.push(`bridge ${bridgeName}`);
  }
}

function removeFiles(removed: string[]): void {
  // The kubelet's fixed paths: its device-plugin folder and the /var/log/containers links into our pod logs.
  if (existsSync(paths.devicePlugins)) {
    rmSync(paths.devicePlugins, { recursive: true, force: true });
    try {
      rmdirSync(path.dirname(paths.devicePlugins));
    } catch {
      /* not empty: not only ours */
    }
  }
  if (existsSync(paths.containerLogLinks)) {
    for (const f of readdirSync(paths.containerLogLinks)) {
      const p = path.join(paths.containerLogLinks, f);
      try {
        if (readlinkSync(p).startsWith(nodeDir)) rmSync(p, { force: true });
      } catch {
        /* not a link */
      }
    }
  }
  // libcni's cached results for our network.
  const results = path.join(paths.cniCache, "results");
  if (existsSync(results)) for (const f of readdirSync(results)) if (f.startsWith(`${cniNetwork}-`)) rmSync(path.join(results, f), { force: true });
  for (const d of [nodeDir, runDir]) {
    if (existsSync(d)) {
      rmSync(d, { recursive: true, force: true });
      removed.push(d);
    }
  }
}

/** Tears the node down completely. `graceMs`: how long the kubelet and containerd get after SIGTERM. */
export async function teardownNode(opts: { graceMs?: number } = {}): Promise<TeardownResult> {
  const removed: string[] = [];
  const errors: string[] = [];
  const slow: string[] = [];
  const step = async (name: string, fn: () => void | Promise<void>) => {
    const t = Date.now();
    try {
      await fn();
    } catch (err) {
      errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (Date.now() - t > 500) slow.push(`${name} ${Date.now() - t} ms`);
  };
  const grace = opts.graceMs ?? 5000;
  const pids = pidsFromFiles(paths.pids);
  // 1. Nothing may restart containers: the kubelet and kube-proxy go first.
  for (const name of ["kubelet", "kube-proxy"]) {
    const pid = pids.get(name);
    // No graceful shutdown needed: what they leave (containers, rules) is removed below.
    if (pid) await step(`stop ${name}`, async () => void ((await stopPid(pid, name, Math.min(grace, 1000))) && removed.push(`${name} (pid ${pid})`)));
  }
  // 2. Containers through containerd, while it still answers.
  await step("containers", () => removeContainers(removed));
  // 3. Whatever is still in a Pod cgroup, then containerd and its shims.
  await step("pod processes and cgroups", () => removeCgroups(removed));
  const cpid = pids.get("containerd");
  if (cpid) await step("stop containerd", async () => void ((await stopPid(cpid, "containerd", grace)) && removed.push(`containerd (pid ${cpid})`)));
  await step("shims", async () => {
    for (const pid of shimPids()) if (await stopPid(pid, paths.containerdSocket, 2000)) removed.push(`shim (pid ${pid})`);
  });
  // 4. Mounts (Pod volumes, rootfs snapshots, network namespaces), iptables, the bridge, files.
  await step("mounts", () => unmountAll(removed));
  await step("cgroups", () => removeCgroups(removed));
  await step("iptables", () => removeIptables(removed));
  await step("network", () => removeNetwork(removed));
  await step("files", () => removeFiles(removed));
  if (slow.length) removed.push(`slow steps: ${slow.join(", ")}`);
  return { removed, errors };
}
