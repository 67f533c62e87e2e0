/**
 * One Pod on the test kubelet: runs its containers as local processes and reports
 * the Pod's status back, as a real kubelet would. Phase as the kubelet computes it:
 * Pending while a container has not started yet (ContainerCreating, a missing
 * Secret/ConfigMap or key: CreateContainerConfigError, a missing image:
 * ErrImagePull / ImagePullBackOff / ErrImageNeverPull), then Running, then terminal.
 *
 * Termination-log contract: a process cannot write to /dev/termination-log (or any
 * other `terminationMessagePath`), so every container gets a private, initially
 * empty file whose path is passed in the env var BUGFORGE_TERMINATION_LOG (the
 * container's `terminationMessagePath` is mapped onto it). An application writes
 * its termination message to `process.env.BUGFORGE_TERMINATION_LOG` when set, else
 * to its terminationMessagePath. When the container exits the kubelet reads the
 * file (at most 4096 bytes) into `state.terminated.message`; with
 * `terminationMessagePolicy: FallbackToLogsOnError` an empty file and a non-zero
 * exit use the last 80 lines (at most 2048 bytes) of the container's log instead.
 *
 * Service-account contract: unless `automountServiceAccountToken: false`, the Pod
 * gets a token from the TokenRequest API (bound to the Pod) for its
 * serviceAccountName, written with the cluster CA into a kubeconfig file whose path
 * is the env var KUBECONFIG; the token, ca.crt and namespace files are also in the
 * folder named by BUGFORGE_SERVICEACCOUNT_DIR. KUBERNETES_SERVICE_HOST/PORT point at
 * the API server.
 *
 * Process environment: only the kubelet's base env (PATH, LANG, TMPDIR by default;
 * never the test runner's KUBECONFIG), HOME = the container's private folder,
 * HOSTNAME = the Pod name, the image's env, the variables above, then the
 * container's envFrom/env. An emptyDir mounted at /tmp becomes TMPDIR (a per-Pod
 * folder); other volumes, securityContext and resource limits are not enforced.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CoreV1Api, V1Container, V1ContainerState, V1ContainerStatus, V1Pod, V1PodCondition } from "@kubernetes/client-node";
import { ContainerConfigError, resolveContainerEnv } from "./env.js";
import { resolveCommand, type ImageTable } from "./images.js";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";

export interface PodHost {
  core: CoreV1Api;
  nodeName: string;
  images: ImageTable;
  /** API server URL and CA (PEM) for the Pod's kubeconfig. */
  server: string;
  caData: string;
  /** Environment every container process starts from (PATH etc.). */
  baseEnv: Record<string, string>;
  /** Parent folder of all Pod folders. */
  podsDir: string;
  log(msg: string): void;
  /** Upper bound for a Pod's termination grace period, in seconds. */
  maxGraceSeconds: number;
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** RFC 3339 without fractions, as metav1.Time serialises. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function errCode(err: unknown): number | undefined {
  return typeof err === "object" && err !== null ? (err as { code?: number }).code : undefined;
}

/** Lifetime of the service-account tokens the kubelet requests (refreshed at 80%). */
const TOKEN_SECONDS = 3600;

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

class ContainerRun {
  restartCount = 0;
  state: V1ContainerState = { waiting: { reason: "ContainerCreating" } };
  lastState: V1ContainerState = {};
  ready = false;
  started = false;
  child?: ChildProcess;
  exited?: Promise<number>;
  attempt = 0;
  readonly dir: string;
  constructor(
    readonly spec: V1Container,
    readonly init: boolean,
    podDir: string,
  ) {
    this.dir = path.join(podDir, spec.name);
    mkdirSync(this.dir, { recursive: true });
  }
  get terminationLog(): string {
    return path.join(this.dir, "termination-log");
  }
  logFile(attempt = this.attempt): string {
    return path.join(this.dir, `${attempt}.log`);
  }
  status(): V1ContainerStatus {
    return {
      name: this.spec.name,
      image: this.spec.image ?? "",
      imageID: "",
      containerID: this.child?.pid ? `process://${this.child.pid}` : undefined,
      ready: this.ready,
      started: this.started,
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
    } as V1ContainerStatus;
  }
}

export class PodWorker {
  pod: V1Pod;
  readonly uid: string;
  readonly dir: string;
  readonly ns: string;
  readonly name: string;
  private readonly ac = new AbortController();
  private phase: "Pending" | "Running" | "Succeeded" | "Failed" = "Pending";
  private podReason?: string;
  private podMessage?: string;
  private startTime?: string;
  private readonly init: ContainerRun[];
  private readonly main: ContainerRun[];
  private readonly conds = new Map<string, { status: string; reason?: string; message?: string; time: string }>();
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private deadlineTimer?: NodeJS.Timeout;
  private tokenTimer?: NodeJS.Timeout;
  private terminating?: Promise<void>;
  /** Set when the Pod object is gone (no API calls anymore). */
  gone = false;
  /** Resolves when run() has returned. */
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: PodHost,
    pod: V1Pod,
  ) {
    this.pod = pod;
    this.uid = pod.metadata!.uid!;
    this.ns = pod.metadata!.namespace!;
    this.name = pod.metadata!.name!;
    this.dir = path.join(host.podsDir, `${this.ns}_${this.name}_${this.uid.slice(0, 8)}`);
    mkdirSync(this.dir, { recursive: true });
    this.init = (pod.spec?.initContainers ?? []).map((c) => new ContainerRun(c, true, this.dir));
    this.main = (pod.spec?.containers ?? []).map((c) => new ContainerRun(c, false, this.dir));
    this.setCond("PodReadyToStartContainers", "False");
    this.setCond("Initialized", this.init.length ? "False" : "True", this.init.length ? "ContainersNotInitialized" : undefined);
    this.setCond("ContainersReady", "False", "ContainersNotReady");
    this.setCond("Ready", "False", "ContainersNotReady");
  }

  get aborted(): boolean {
    return this.ac.signal.aborted;
  }

  /** The container's current (or, with previous, last-but-one) log file. */
  logFile(container: string | undefined, previous = false): string | undefined {
    const all = [...this.main, ...this.init];
    const c = container ? all.find((x) => x.spec.name === container) : this.main[0];
    if (!c) return undefined;
    const attempt = previous ? c.attempt - 1 : c.attempt;
    if (attempt < 0) return undefined;
    return c.logFile(attempt);
  }

  /** Whether the container's process is still running. */
  isRunning(container: string | undefined): boolean {
    const all = [...this.main, ...this.init];
    const c = container ? all.find((x) => x.spec.name === container) : this.main[0];
    return !!c && c.child !== undefined && c.child.exitCode === null && c.child.signalCode === null;
  }

  start(): void {
    this.done = this.run().catch((err) => this.host.log(`pod ${this.ns}/${this.name}: ${String(err)}`));
  }

  /** A newer version of the Pod from the watch. */
  update(pod: V1Pod): void {
    this.pod = pod;
    if (pod.metadata?.deletionTimestamp && !this.terminating) {
      this.terminating = this.terminate();
    }
  }

  /** The Pod object was deleted: kill everything, no API calls. */
  forget(): void {
    this.gone = true;
    this.ac.abort();
    for (const c of [...this.init, ...this.main]) killTree(c.child, "SIGKILL");
    clearTimeout(this.deadlineTimer);
    clearInterval(this.tokenTimer);
  }

  /** Kubelet shutdown: kill processes without touching the API. */
  async shutdown(graceMs: number): Promise<void> {
    this.gone = true;
    this.ac.abort();
    clearTimeout(this.deadlineTimer);
    clearInterval(this.tokenTimer);
    await this.killAll(graceMs);
  }

  // ---------------------------------------------------------------- status

  private setCond(type: string, status: string, reason?: string, message?: string): void {
    const prev = this.conds.get(type);
    if (prev && prev.status === status && prev.reason === reason) return;
    this.conds.set(type, { status, reason, message, time: prev && prev.status === status ? prev.time : now() });
  }

  private buildStatus(): Record<string, unknown> {
    const managed = new Set(this.conds.keys());
    const preserved = (this.pod.status?.conditions ?? []).filter((c) => !managed.has(c.type));
    if (!preserved.some((c) => c.type === "PodScheduled")) {
      preserved.push({ type: "PodScheduled", status: "True", lastTransitionTime: now() as unknown as Date } as V1PodCondition);
    }
    const conditions = [
      ...preserved,
      ...[...this.conds.entries()].map(([type, c]) => ({ type, status: c.status, reason: c.reason, message: c.message, lastProbeTime: null, lastTransitionTime: c.time })),
    ];
    const status: Record<string, unknown> = {
      phase: this.reportedPhase(),
      conditions,
      hostIP: "127.0.0.1",
      hostIPs: [{ ip: "127.0.0.1" }],
      containerStatuses: this.main.map((c) => c.status()),
      reason: this.podReason ?? null,
      message: this.podMessage ?? null,
    };
    if (this.startTime) {
      status.startTime = this.startTime;
      status.podIP = "127.0.0.1";
      status.podIPs = [{ ip: "127.0.0.1" }];
    }
    if (this.init.length) status.initContainerStatuses = this.init.map((c) => c.status());
    return status;
  }

  /**
   * The phase as the kubelet's getPhase computes it: while a container has never started (waiting
   * with no earlier termination: ContainerCreating, CreateContainerConfigError, ErrImagePull…) the
   * Pod is Pending, even once its sandbox and init containers are done.
   */
  private reportedPhase(): string {
    if (this.phase !== "Running") return this.phase;
    const neverStarted = this.main.some((c) => c.state.waiting && !c.lastState.terminated);
    return neverStarted ? "Pending" : "Running";
  }

  /** Queue a status patch (coalesced; serialised). */
  push(): Promise<void> {
    if (this.gone) return this.chain;
    if (this.queued) return this.chain;
    this.queued = true;
    this.chain = this.chain.then(async () => {
      this.queued = false;
      if (this.gone) return;
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          const pod = await this.host.core.patchNamespacedPodStatus({ name: this.name, namespace: this.ns, body: { status: this.buildStatus() } }, mergePatch);
          if (pod.metadata?.uid === this.uid) this.pod = pod;
          return;
        } catch (err) {
          if (errCode(err) === 404) {
            this.forget();
            return;
          }
          this.host.log(`pod ${this.ns}/${this.name}: status update failed: ${String(err)}`);
          await sleep(500 * (attempt + 1));
        }
      }
    });
    return this.chain;
  }

  // ---------------------------------------------------------------- lifecycle

  private async run(): Promise<void> {
    const phase = this.pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return; // terminal before we saw it
    await this.push();

    // Images. With imagePullPolicy Never a missing image is not pulled at all (ErrImageNeverPull).
    const unknown = [...this.init, ...this.main].filter((c) => !resolveCommand(this.host.images, c.spec));
    const neverPull = unknown.filter((c) => c.spec.imagePullPolicy === "Never");
    if (neverPull.length) {
      for (const c of neverPull) c.state = { waiting: { reason: "ErrImageNeverPull", message: `Container image "${c.spec.image}" is not present with pull policy of Never` } };
      await this.push();
    }
    if (unknown.length > neverPull.length) {
      const pulled = unknown.filter((c) => c.spec.imagePullPolicy !== "Never");
      for (const c of pulled) c.state = { waiting: { reason: "ErrImagePull", message: `image "${c.spec.image}" is not in the test kubelet's image table` } };
      await this.push();
      await sleep(1000, this.ac.signal);
      for (const c of pulled) c.state = { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${c.spec.image}": not in the test kubelet's image table` } };
      await this.push();
    }
    if (unknown.length) return;

    // Service account token and kubeconfig.
    let saEnv: Record<string, string> = {};
    for (let attempt = 0; !this.aborted; attempt++) {
      try {
        saEnv = await this.prepareServiceAccount();
        break;
      } catch (err) {
        this.host.log(`pod ${this.ns}/${this.name}: service account token: ${String(err)}`);
        await sleep(Math.min(500 * 2 ** attempt, 5000), this.ac.signal);
      }
    }
    if (this.aborted) return;

    this.startTime = now();
    this.setCond("PodReadyToStartContainers", "True");
    const deadline = this.pod.spec?.activeDeadlineSeconds;
    if (deadline) this.deadlineTimer = setTimeout(() => void this.deadlineExceeded(), deadline * 1000);
    await this.push();

    const policy = this.pod.spec?.restartPolicy ?? "Always";
    for (const c of this.init) {
      for (;;) {
        const code = await this.runOnce(c, saEnv);
        if (this.aborted) return;
        if (code === 0) break;
        if (policy === "Never") {
          this.setCond("Initialized", "False", "ContainersNotInitialized");
          await this.finish("Failed");
          return;
        }
        await this.backoff(c);
        if (this.aborted) return;
      }
    }
    this.setCond("Initialized", "True");
    this.phase = "Running";
    await this.push();

    await Promise.all(this.main.map((c) => this.runMain(c, policy, saEnv)));
    if (this.aborted) return;
    await this.finish(this.main.every((c) => c.state.terminated?.exitCode === 0) ? "Succeeded" : "Failed");
  }

  private async runMain(c: ContainerRun, policy: string, saEnv: Record<string, string>): Promise<void> {
    for (;;) {
      const code = await this.runOnce(c, saEnv);
      if (this.aborted) return;
      if (policy === "Always" || (policy === "OnFailure" && code !== 0)) {
        await this.backoff(c);
        if (this.aborted) return;
        continue;
      }
      return;
    }
  }

  private async backoff(c: ContainerRun): Promise<void> {
    const delay = Math.min(1000 * 2 ** c.restartCount, 10_000);
    c.lastState = c.state;
    c.state = { waiting: { reason: "CrashLoopBackOff", message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.spec.name} pod=${this.name}` } };
    c.ready = false;
    c.started = false;
    this.updateReadiness();
    await this.push();
    await sleep(delay, this.ac.signal);
    c.restartCount++;
  }

  private updateReadiness(): void {
    const allReady = this.main.every((c) => c.ready);
    const notReady = this.main.filter((c) => !c.ready).map((c) => c.spec.name);
    if (allReady) {
      this.setCond("ContainersReady", "True");
      this.setCond("Ready", "True");
    } else if (this.phase === "Succeeded" || this.phase === "Failed") {
      this.setCond("ContainersReady", "False", "PodCompleted");
      this.setCond("Ready", "False", "PodCompleted");
    } else {
      const msg = `containers with unready status: [${notReady.join(" ")}]`;
      this.setCond("ContainersReady", "False", "ContainersNotReady", msg);
      this.setCond("Ready", "False", "ContainersNotReady", msg);
    }
  }

  /** Starts the container once and waits for it to exit. Returns the exit code (or -1 when aborted before start). */
  private async runOnce(c: ContainerRun, saEnv: Record<string, string>): Promise<number> {
    const resolved = resolveCommand(this.host.images, c.spec)!;
    // Environment (retried while Secrets/ConfigMaps are missing, as CreateContainerConfigError).
    let env: Record<string, string> | undefined;
    for (let attempt = 0; !this.aborted; attempt++) {
      try {
        const base = {
          ...this.host.baseEnv,
          ...this.tmpdirEnv(c),
          HOME: c.dir,
          HOSTNAME: this.name,
          ...(resolved.spec.env ?? {}),
          ...saEnv,
          BUGFORGE_TERMINATION_LOG: c.terminationLog,
        };
        env = { ...base, ...(await resolveContainerEnv(this.host.core, this.pod, c.spec, base)) };
        break;
      } catch (err) {
        const msg = err instanceof ContainerConfigError ? err.message : String(err);
        const st = c.state.waiting;
        if (st?.reason !== "CreateContainerConfigError" || st.message !== msg) {
          c.state = { waiting: { reason: "CreateContainerConfigError", message: msg } };
          await this.push();
        }
        await sleep(Math.min(500 * 2 ** attempt, 3000), this.ac.signal);
      }
    }
    if (this.aborted || !env) return -1;

    writeFileSync(c.terminationLog, "");
    c.attempt = c.restartCount;
    const logFile = c.logFile();
    const fd = openSync(logFile, "a");
    const wd = c.spec.workingDir && existsSync(c.spec.workingDir) ? c.spec.workingDir : (resolved.spec.cwd ?? c.dir);
    const startedAt = now();
    const [cmd, ...args] = resolved.argv;
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { cwd: wd, env, stdio: ["ignore", fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    c.child = child;
    c.exited = new Promise<number>((resolve) => {
      child.on("error", (err) => {
        writeFileSync(logFile, `test kubelet: failed to start ${cmd}: ${err.message}\n`, { flag: "a" });
        resolve(128);
      });
      child.on("exit", (code, signal) => resolve(code ?? 128 + (signal ? (SIGNALS[signal] ?? 1) : 1)));
    });
    // A spawn error fires asynchronously; give it a tick before reporting Running.
    await new Promise((r) => setImmediate(r));
    if (child.pid !== undefined) {
      c.state = { running: { startedAt: startedAt as unknown as Date } };
      c.started = true;
      c.ready = !c.init;
      this.updateReadiness();
      void this.push();
    }
    const code = await c.exited;
    c.ready = false;
    c.started = false;
    let message = readCapped(c.terminationLog, 4096);
    if (!message && code !== 0 && c.spec.terminationMessagePolicy === "FallbackToLogsOnError") {
      message = readFileSync(logFile, "utf8").split("\n").slice(-80).join("\n").slice(-2048);
    }
    c.state = {
      terminated: {
        exitCode: code,
        reason: code === 0 ? "Completed" : "Error",
        message: message || undefined,
        startedAt: startedAt as unknown as Date,
        finishedAt: now() as unknown as Date,
        containerID: child.pid ? `process://${child.pid}` : undefined,
      },
    };
    this.updateReadiness();
    await this.push();
    return code;
  }

  /** An emptyDir mounted at /tmp becomes the process's TMPDIR (a per-Pod folder); other volumes are not mapped. */
  private tmpdirEnv(c: ContainerRun): Record<string, string> {
    const mount = (c.spec.volumeMounts ?? []).find((m) => m.mountPath === "/tmp" || m.mountPath === "/tmp/");
    const vol = mount && (this.pod.spec?.volumes ?? []).find((v) => v.name === mount.name);
    if (!vol?.emptyDir) return {};
    const dir = path.join(this.dir, "volumes", vol.name);
    mkdirSync(dir, { recursive: true });
    return { TMPDIR: dir };
  }

  private async finish(phase: "Succeeded" | "Failed", reason?: string, message?: string): Promise<void> {
    clearTimeout(this.deadlineTimer);
    clearInterval(this.tokenTimer);
    this.phase = phase;
    if (reason) this.podReason = reason;
    if (message) this.podMessage = message;
    this.setCond("PodReadyToStartContainers", "False");
    for (const c of this.main) c.ready = false;
    this.updateReadiness();
    await this.push();
  }

  private graceSeconds(): number {
    const g = this.pod.metadata?.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.min(g, this.host.maxGraceSeconds);
  }

  private async killAll(graceMs: number): Promise<void> {
    const running = [...this.init, ...this.main].filter((c) => c.child && c.child.exitCode === null && c.child.signalCode === null);
    for (const c of running) killTree(c.child, "SIGTERM");
    await Promise.all(
      running.map(async (c) => {
        const t = setTimeout(() => killTree(c.child, "SIGKILL"), graceMs);
        await c.exited;
        clearTimeout(t);
      }),
    );
  }

  private async deadlineExceeded(): Promise<void> {
    if (this.aborted || this.phase === "Succeeded" || this.phase === "Failed") return;
    this.ac.abort();
    await this.killAll(this.graceSeconds() * 1000);
    await this.done;
    await this.finish("Failed", "DeadlineExceeded", `Pod was active on the node longer than the specified deadline`);
  }

  /** deletionTimestamp is set: stop the containers, report a terminal phase, then remove the Pod (grace 0). */
  private async terminate(): Promise<void> {
    this.ac.abort();
    clearTimeout(this.deadlineTimer);
    await this.killAll(this.graceSeconds() * 1000);
    await this.done;
    if (this.gone) return;
    if (this.phase !== "Succeeded" && this.phase !== "Failed") {
      const ok = this.main.length > 0 && this.main.every((c) => c.state.terminated?.exitCode === 0);
      await this.finish(ok ? "Succeeded" : "Failed");
    }
    await this.chain;
    if (this.gone) return;
    try {
      await this.host.core.deleteNamespacedPod({ name: this.name, namespace: this.ns, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid: this.uid } } });
    } catch (err) {
      if (errCode(err) !== 404 && errCode(err) !== 409) this.host.log(`pod ${this.ns}/${this.name}: final delete failed: ${String(err)}`);
    }
  }

  private async prepareServiceAccount(): Promise<Record<string, string>> {
    const port = new URL(this.host.server).port || "443";
    const env: Record<string, string> = {
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: port,
      KUBERNETES_SERVICE_PORT_HTTPS: port,
      KUBERNETES_PORT: `tcp://127.0.0.1:${port}`,
    };
    if (this.pod.spec?.automountServiceAccountToken === false) return env;
    const sa = this.pod.spec?.serviceAccountName ?? "default";
    const saDir = path.join(this.dir, "serviceaccount");
    const kubeconfig = path.join(this.dir, "kubeconfig");
    await this.writeToken(sa, saDir, kubeconfig);
    // Refresh at 80% of the token's life, as the kubelet does.
    this.tokenTimer = setInterval(() => {
      if (this.aborted || this.phase === "Succeeded" || this.phase === "Failed") return clearInterval(this.tokenTimer);
      this.writeToken(sa, saDir, kubeconfig).catch((err) => this.host.log(`pod ${this.ns}/${this.name}: token refresh: ${String(err)}`));
    }, 0.8 * TOKEN_SECONDS * 1000);
    this.tokenTimer.unref();
    return { ...env, KUBECONFIG: kubeconfig, BUGFORGE_SERVICEACCOUNT_DIR: saDir };
  }

  private async writeToken(sa: string, saDir: string, kubeconfig: string): Promise<void> {
    const tr = await this.host.core.createNamespacedServiceAccountToken({
      name: sa,
      namespace: this.ns,
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { audiences: [], expirationSeconds: TOKEN_SECONDS, boundObjectRef: { apiVersion: "v1", kind: "Pod", name: this.name, uid: this.uid } },
      },
    });
    const token = tr.status?.token;
    if (!token) throw new Error("TokenRequest returned no token");
    mkdirSync(saDir, { recursive: true });
    writeFileSync(path.join(saDir, "token"), token, { mode: 0o600 });
    writeFileSync(path.join(saDir, "ca.crt"), this.host.caData);
    writeFileSync(path.join(saDir, "namespace"), this.ns);
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: cluster",
        "  cluster:",
        `    server: ${this.host.server}`,
        `    certificate-authority-data: ${Buffer.from(this.host.caData).toString("base64")}`,
        "users:",
        `- name: system:serviceaccount:${this.ns}:${sa}`,
        "  user:",
        `    token: ${token}`,
        "contexts:",
        "- name: in-pod",
        "  context:",
        "    cluster: cluster",
        `    user: system:serviceaccount:${this.ns}:${sa}`,
        `    namespace: ${this.ns}`,
        "current-context: in-pod",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
  }
}

function readCapped(file: string, max: number): string {
  try {
    if (statSync(file).size === 0) return "";
    return readFileSync(file).subarray(0, max).toString("utf8");
  } catch {
    return "";
  }
}

/** Signals the process group of a detached child (the child and what it spawned). */
export function killTree(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}
