/**
 * A real Kubernetes control plane for tests, started the way envtest does it:
 * etcd, kube-apiserver, kube-controller-manager and kube-scheduler as separate
 * local processes (binaries from test/controlplane/bin, built by
 * test/controlplane/build.sh, or etcd + kube-apiserver from KUBEBUILDER_ASSETS).
 *
 * Certificates (a CA, the apiserver's serving cert, client certs for the admin,
 * the controller manager and the scheduler) and the service-account signing key
 * are generated at start with the `openssl` CLI into a temp dir. RBAC and Node
 * authorization are on; the admin identity is a client cert in system:masters.
 *
 * `startControlPlane()` resolves once /readyz passes and both the
 * kube-scheduler and kube-controller-manager Leases in kube-system have a holder.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync, accessSync, constants } from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
/** test/controlplane in this checkout. */
export const controlPlaneDir = path.resolve(here, "../controlplane");
export const defaultBinDir = path.join(controlPlaneDir, "bin");

/** Controllers run by default (kube-controller-manager --controllers). */
export const defaultControllers = [
  "job-controller",
  "cronjob-controller",
  "ttl-after-finished-controller",
  "garbage-collector-controller",
  "namespace-controller",
  "serviceaccount-controller",
  "serviceaccount-token-controller",
  "root-ca-certificate-publisher-controller",
  "clusterrole-aggregation-controller",
  "deployment-controller",
  "replicaset-controller",
  "pod-garbage-collector-controller",
];

export interface ControlPlaneOptions {
  /** Where the built binaries are (default test/controlplane/bin). */
  binDir?: string;
  /** envtest binaries (default process.env.KUBEBUILDER_ASSETS): etcd and kube-apiserver are taken from here when both exist. */
  kubebuilderAssets?: string;
  /** Run test/controlplane/build.sh first (cached; default false). */
  build?: boolean;
  /** Parent dir of the temp work dir (default os.tmpdir()). */
  tmpRoot?: string;
  /** kube-controller-manager --controllers (default defaultControllers). */
  controllers?: string[];
  /** Extra flags appended to each component's command line. */
  extraArgs?: Partial<Record<ComponentName, string[]>>;
  /**
   * The address kube-apiserver binds, advertises and names in its serving certificate (default
   * 127.0.0.1). The real node (test/support/node) passes its bridge IP, so Pods reach the API server
   * through the `kubernetes` Service; with any address but 127.0.0.1 the endpoint reconciler is
   * `lease` (it publishes this address as the Service's endpoint), else `none`.
   */
  apiServerAddress?: string;
  /** Service CIDR (default 10.0.0.0/24). */
  serviceClusterIPRange?: string;
  /** How long to wait for readiness (default 120 s). */
  startTimeoutMs?: number;
  /** Keep the temp dir after stop() (default: keep only when KEEP_CONTROLPLANE_DIR is set). */
  keepWorkDir?: boolean;
  /** Progress messages (default: silent). */
  log?: (msg: string) => void;
}

export type ComponentName = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler";

export interface ControlPlane {
  /** Admin kubeconfig (client cert in system:masters). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** PEM of the cluster CA; also at caPath. */
  caData: string;
  caPath: string;
  /** The temp dir holding certs, data and logs. */
  workDir: string;
  /** Folder with one <component>.log per component. */
  logDir: string;
  etcdUrl: string;
  ports: Record<ComponentName, number>;
  /** Which binaries were used. */
  binaries: Record<ComponentName, string>;
  /** Milliseconds from the call to ready. */
  startMs: number;
  /** Writes a kubeconfig for a client-cert user (CN=user, O=groups) and returns its path. */
  userKubeconfig(user: string, groups?: string[]): string;
  /** SIGTERM every component (SIGKILL after graceMs, default 5 s), then remove the work dir. */
  stop(graceMs?: number): Promise<void>;
}

/** Runs test/controlplane/build.sh (a no-op when the stamp matches). Throws on failure. */
export function buildControlPlane(opts: { quiet?: boolean } = {}): void {
  const r = spawnSync("bash", [path.join(controlPlaneDir, "build.sh")], {
    stdio: opts.quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, ...(opts.quiet ? { CONTROLPLANE_QUIET: "1" } : {}) },
    encoding: "utf8",
  });
  if (r.status !== 0) {
    throw new Error(`test/controlplane/build.sh failed (exit ${r.status})${opts.quiet ? `:\n${r.stdout}\n${r.stderr}` : ""}`);
  }
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where each component's binary comes from (KUBEBUILDER_ASSETS first for etcd/kube-apiserver, then binDir). */
export function resolveBinaries(opts: Pick<ControlPlaneOptions, "binDir" | "kubebuilderAssets"> = {}): Record<ComponentName, string> {
  const binDir = opts.binDir ?? defaultBinDir;
  const assets = opts.kubebuilderAssets ?? process.env.KUBEBUILDER_ASSETS;
  const useAssets = !!assets && isExecutable(path.join(assets, "etcd")) && isExecutable(path.join(assets, "kube-apiserver"));
  const pick = (name: ComponentName): string => {
    if (useAssets && assets && isExecutable(path.join(assets, name))) return path.join(assets, name);
    return path.join(binDir, name);
  };
  return {
    etcd: pick("etcd"),
    "kube-apiserver": pick("kube-apiserver"),
    "kube-controller-manager": pick("kube-controller-manager"),
    "kube-scheduler": pick("kube-scheduler"),
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
}

/** Certificate authority + issuing helper, backed by the openssl CLI. */
class CertAuthority {
  readonly crt: string;
  readonly key: string;
  constructor(readonly dir: string) {
    this.crt = path.join(dir, "ca.crt");
    this.key = path.join(dir, "ca.key");
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", this.key], dir);
    openssl(["req", "-x509", "-new", "-key", this.key, "-sha256", "-days", "3650", "-subj", "/CN=bugforge-test-ca", "-out", this.crt], dir);
  }

  /** Issues <name>.crt/<name>.key; returns their paths. */
  issue(name: string, subject: string, ext: { serverAltNames?: string[]; client?: boolean }): { crt: string; key: string } {
    const key = path.join(this.dir, `${name}.key`);
    const csr = path.join(this.dir, `${name}.csr`);
    const crt = path.join(this.dir, `${name}.crt`);
    const extFile = path.join(this.dir, `${name}.ext`);
    const lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment"];
    if (ext.serverAltNames) {
      lines.push("extendedKeyUsage=serverAuth", `subjectAltName=${ext.serverAltNames.join(",")}`);
    } else {
      lines.push("extendedKeyUsage=clientAuth");
    }
    writeFileSync(extFile, lines.join("\n") + "\n");
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key], this.dir);
    openssl(["req", "-new", "-key", key, "-subj", subject, "-out", csr], this.dir);
    openssl(["x509", "-req", "-in", csr, "-CA", this.crt, "-CAkey", this.key, "-CAcreateserial", "-days", "3650", "-sha256", "-extfile", extFile, "-out", crt], this.dir);
    return { crt, key };
  }
}

function kubeconfigYaml(server: string, caPath: string, user: string, cert: { crt: string; key: string }): string {
  const b64 = (p: string) => readFileSync(p).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: bugforge-test",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caPath)}`,
    "users:",
    `- name: ${user}`,
    "  user:",
    `    client-certificate-data: ${b64(cert.crt)}`,
    `    client-key-data: ${b64(cert.key)}`,
    "contexts:",
    `- name: ${user}@bugforge-test`,
    "  context:",
    "    cluster: bugforge-test",
    `    user: ${user}`,
    "    namespace: default",
    `current-context: ${user}@bugforge-test`,
    "",
  ].join("\n");
}

interface Proc {
  name: ComponentName;
  child: ChildProcess;
  exited: Promise<number | null>;
  exitCode: number | null | undefined;
}

const live = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when the test process exits without calling stop() (the
  // components' parent watchdog covers a SIGKILLed test process).
  process.on("exit", () => {
    for (const c of live) {
      try {
        c.kill("SIGKILL");
      } catch {
        /* gone */
      }
    }
    for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  });
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** GET against the apiserver with the admin client cert; resolves status and body (never rejects on HTTP errors). */
function apiGet(server: string, p: string, tls: { ca: string; cert: string; key: string }, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(p, server), { method: "GET", ...tls, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  if (opts.build) buildControlPlane({ quiet: true });
  const binaries = resolveBinaries(opts);
  for (const [name, bin] of Object.entries(binaries)) {
    if (!isExecutable(bin)) {
      throw new Error(`control plane binary ${name} not found at ${bin}: run test/controlplane/build.sh (or set KUBEBUILDER_ASSETS)`);
    }
  }

  const workDir = mkdtempSync(path.join(opts.tmpRoot ?? os.tmpdir(), "bugforge-cp-"));
  const pki = path.join(workDir, "pki");
  const logDir = path.join(workDir, "logs");
  const etcdData = path.join(workDir, "etcd");
  for (const d of [pki, logDir, etcdData]) mkdirSync(d, { recursive: true });

  const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const ports: Record<ComponentName, number> = {
    etcd: etcdClient,
    "kube-apiserver": apiPort,
    "kube-controller-manager": kcmPort,
    "kube-scheduler": schedPort,
  };
  const apiAddress = opts.apiServerAddress ?? "127.0.0.1";
  const server = `https://${apiAddress}:${apiPort}`;
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const serviceRange = opts.serviceClusterIPRange ?? "10.0.0.0/24";

  // --- PKI
  const ca = new CertAuthority(pki);
  const serving = ca.issue("apiserver", "/CN=kube-apiserver", {
    serverAltNames: [...new Set(["IP:127.0.0.1", `IP:${apiAddress}`])].concat(["DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local", `IP:${firstServiceIP(serviceRange)}`]),
  });
  const admin = ca.issue("admin", "/O=system:masters/CN=bugforge-admin", { client: true });
  const kcmCert = ca.issue("kube-controller-manager", "/CN=system:kube-controller-manager", { client: true });
  const schedCert = ca.issue("kube-scheduler", "/CN=system:kube-scheduler", { client: true });
  // kube-apiserver -> kubelet (logs, exec, port-forward); a real kubelet checks it against the CA.
  const kubeletClient = ca.issue("apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client", { client: true });
  const saKey = path.join(pki, "sa.key");
  const saPub = path.join(pki, "sa.pub");
  openssl(["genrsa", "-out", saKey, "2048"], pki);
  openssl(["rsa", "-in", saKey, "-pubout", "-out", saPub], pki);

  const kubeconfigPath = path.join(workDir, "admin.kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfigYaml(server, ca.crt, "bugforge-admin", admin), { mode: 0o600 });
  const kcmKubeconfig = path.join(workDir, "kube-controller-manager.kubeconfig");
  writeFileSync(kcmKubeconfig, kubeconfigYaml(server, ca.crt, "system:kube-controller-manager", kcmCert), { mode: 0o600 });
  const schedKubeconfig = path.join(workDir, "kube-scheduler.kubeconfig");
  writeFileSync(schedKubeconfig, kubeconfigYaml(server, ca.crt, "system:kube-scheduler", schedCert), { mode: 0o600 });
  const tls = { ca: readFileSync(ca.crt, "utf8"), cert: readFileSync(admin.crt, "utf8"), key: readFileSync(admin.key, "utf8") };

  installExitHook();
  const keep = opts.keepWorkDir ?? !!process.env.KEEP_CONTROLPLANE_DIR;
  if (!keep) liveDirs.add(workDir);
  const procs: Proc[] = [];
  const extra = opts.extraArgs ?? {};
  const launch = (name: ComponentName, args: string[]): Proc => {
    const logFile = path.join(logDir, `${name}.log`);
    const out = createWriteStream(logFile, { flags: "a" });
    const child = spawn(binaries[name], [...args, ...(extra[name] ?? [])], { stdio: ["ignore", "pipe", "pipe"], cwd: workDir, env: { ...process.env, KUBECONFIG: "", BUGFORGE_EXIT_WITH_PARENT: "1" } });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    live.add(child);
    const p: Proc = { name, child, exitCode: undefined, exited: Promise.resolve(null) };
    p.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        live.delete(child);
        p.exitCode = code ?? (signal ? -1 : null);
        out.end(`\n[launcher] ${name} exited code=${code} signal=${signal}\n`);
        resolve(code);
      });
      child.on("error", (err) => {
        live.delete(child);
        p.exitCode = -1;
        out.end(`\n[launcher] ${name} failed to start: ${err.message}\n`);
        resolve(-1);
      });
    });
    procs.push(p);
    log(`started ${name} (pid ${child.pid}), log ${logFile}`);
    return p;
  };

  let stopped = false;
  const stop = async (graceMs = 5000): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Reverse start order: scheduler/controller manager, apiserver, then etcd.
    for (const group of [["kube-scheduler", "kube-controller-manager"], ["kube-apiserver"], ["etcd"]]) {
      const ps = procs.filter((p) => group.includes(p.name) && p.exitCode === undefined);
      for (const p of ps) p.child.kill("SIGTERM");
      await Promise.all(
        ps.map(async (p) => {
          const timer = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
          await p.exited;
          clearTimeout(timer);
        }),
      );
    }
    liveDirs.delete(workDir);
    if (!keep) rmSync(workDir, { recursive: true, force: true });
  };

  const failed = (what: string): Error => {
    const dead = procs.filter((p) => p.exitCode !== undefined);
    const details = (dead.length ? dead : procs).map((p) => `--- ${p.name} (${path.join(logDir, p.name + ".log")}):\n${tail(path.join(logDir, p.name + ".log"))}`).join("\n");
    return new Error(`control plane: ${what}; logs in ${logDir}\n${details}`);
  };

  const deadline = t0 + (opts.startTimeoutMs ?? 120_000);
  const waitFor = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    for (;;) {
      const dead = procs.find((p) => p.exitCode !== undefined);
      if (dead) throw failed(`${dead.name} exited (code ${dead.exitCode}) while waiting for ${what}`);
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw failed(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };

  try {
    launch("etcd", [
      "--name=default",
      `--data-dir=${etcdData}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      "--unsafe-no-fsync=true",
      "--log-level=warn",
    ]);
    await waitFor("etcd /health", async () => {
      const r = await fetch(`${etcdUrl}/health`);
      return r.ok;
    });

    launch("kube-apiserver", [
      `--etcd-servers=${etcdUrl}`,
      `--advertise-address=${apiAddress}`,
      `--bind-address=${apiAddress}`,
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${serving.crt}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${ca.crt}`,
      "--authorization-mode=Node,RBAC",
      `--service-cluster-ip-range=${serviceRange}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      "--allow-privileged=true",
      // Logs/exec go to the test kubelet's https endpoint on 127.0.0.1.
      "--kubelet-preferred-address-types=InternalIP",
      `--kubelet-client-certificate=${kubeletClient.crt}`,
      `--kubelet-client-key=${kubeletClient.key}`,
      // "lease" publishes the advertised address as the `kubernetes` Service's endpoint; a loopback
      // endpoint is refused, so the loopback-only control plane runs without one.
      `--endpoint-reconciler-type=${apiAddress === "127.0.0.1" ? "none" : "lease"}`,
      "--v=1",
    ]);
    await waitFor("kube-apiserver /readyz", async () => (await apiGet(server, "/readyz", tls)).status === 200);

    launch("kube-controller-manager", [
      `--kubeconfig=${kcmKubeconfig}`,
      `--authentication-kubeconfig=${kcmKubeconfig}`,
      `--authorization-kubeconfig=${kcmKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${kcmPort}`,
      `--controllers=${(opts.controllers ?? defaultControllers).join(",")}`,
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${ca.crt}`,
      "--use-service-account-credentials=true",
      "--leader-elect=true",
      `--service-cluster-ip-range=${serviceRange}`,
      "--v=1",
    ]);
    launch("kube-scheduler", [
      `--kubeconfig=${schedKubeconfig}`,
      `--authentication-kubeconfig=${schedKubeconfig}`,
      `--authorization-kubeconfig=${schedKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${schedPort}`,
      "--leader-elect=true",
      "--v=1",
    ]);
    const leaseHeld = (name: string) => async () => {
      const r = await apiGet(server, `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`, tls);
      if (r.status !== 200) return false;
      const lease = JSON.parse(r.body) as { spec?: { holderIdentity?: string } };
      return !!lease.spec?.holderIdentity;
    };
    await waitFor("the kube-scheduler lease", leaseHeld("kube-scheduler"));
    await waitFor("the kube-controller-manager lease", leaseHeld("kube-controller-manager"));
    await waitFor("the default ServiceAccount in namespace default", async () => (await apiGet(server, "/api/v1/namespaces/default/serviceaccounts/default", tls)).status === 200);
  } catch (err) {
    await stop(1000).catch(() => {});
    throw err;
  }

  const startMs = Date.now() - t0;
  log(`control plane ready at ${server} in ${startMs} ms (work dir ${workDir})`);
  let userSeq = 0;
  return {
    kubeconfigPath,
    server,
    caData: tls.ca,
    caPath: ca.crt,
    workDir,
    logDir,
    etcdUrl,
    ports,
    binaries,
    startMs,
    userKubeconfig(user: string, groups: string[] = []) {
      const name = `user-${++userSeq}`;
      const subject = groups.map((g) => `/O=${g}`).join("") + `/CN=${user}`;
      const cert = ca.issue(name, subject, { client: true });
      const file = path.join(workDir, `${name}.kubeconfig`);
      writeFileSync(file, kubeconfigYaml(server, ca.crt, user, cert), { mode: 0o600 });
      return file;
    },
    stop,
  };
}

/** The first usable IP of a CIDR (the `kubernetes` Service's ClusterIP). */
function firstServiceIP(cidr: string): string {
  const [ip] = cidr.split("/");
  const parts = ip.split(".").map(Number);
  parts[3] += 1;
  return parts.join(".");
}

