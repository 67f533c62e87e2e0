/** Resolution of a container's environment (env, envFrom) through the API, as the kubelet does. */
import type { CoreV1Api, V1Container, V1Pod } from "@kubernetes/client-node";

/** A non-optional Secret/ConfigMap/key is missing: the container waits in CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: number }).code === 404;
}

type DataSource = { data: Record<string, string> } | undefined;

/** Caches Secret/ConfigMap reads for one container start. */
class Sources {
  private cache = new Map<string, Promise<DataSource>>();
  constructor(
    private core: CoreV1Api,
    private namespace: string,
  ) {}

  get(kind: "secret" | "configmap", name: string): Promise<DataSource> {
    const k = `${kind}/${name}`;
    let p = this.cache.get(k);
    if (!p) {
      p = (async () => {
        try {
          if (kind === "secret") {
            const s = await this.core.readNamespacedSecret({ name, namespace: this.namespace });
            const data: Record<string, string> = {};
            for (const [key, v] of Object.entries(s.data ?? {})) data[key] = Buffer.from(v, "base64").toString("utf8");
            for (const [key, v] of Object.entries(s.stringData ?? {})) data[key] = v;
            return { data };
          }
          const cm = await this.core.readNamespacedConfigMap({ name, namespace: this.namespace });
          return { data: { ...(cm.data ?? {}) } };
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      })();
      this.cache.set(k, p);
    }
    return p;
  }
}

/** Expands $(VAR) references against already-defined variables; $$ escapes. */
export function expandVars(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) => {
    if (m === "$$") return "$";
    return name !== undefined && name in env ? env[name] : m;
  });
}

function fieldRef(pod: V1Pod, fieldPath: string): string {
  const md = pod.metadata ?? {};
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (m) return (m[1] === "labels" ? md.labels : md.annotations)?.[m[2]] ?? "";
  switch (fieldPath) {
    case "metadata.name":
      return md.name ?? "";
    case "metadata.namespace":
      return md.namespace ?? "";
    case "metadata.uid":
      return md.uid ?? "";
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "default";
    case "status.podIP":
    case "status.hostIP":
      return "127.0.0.1";
    case "status.podIPs":
    case "status.hostIPs":
      return "127.0.0.1";
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${fieldPath}`);
  }
}

function resourceFieldRef(container: V1Container, resource: string): string {
  const [kind, name] = resource.split(".");
  const v = (kind === "limits" ? container.resources?.limits : container.resources?.requests)?.[name];
  return v !== undefined ? String(v) : "0";
}

/** The container's env from `envFrom` then `env` (later wins), with $(VAR) expansion as in Kubernetes. */
export async function resolveContainerEnv(core: CoreV1Api, pod: V1Pod, container: V1Container, base: Record<string, string>): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? "default";
  const src = new Sources(core, ns);
  const out: Record<string, string> = {};

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref) continue;
    const kind = from.secretRef ? "secret" : "configmap";
    const d = await src.get(kind, ref.name ?? "");
    if (!d) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind === "secret" ? "secret" : "configmap"} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(d.data)) out[prefix + k] = v;
  }

  for (const e of container.env ?? []) {
    const visible = { ...base, ...out };
    if (e.value !== undefined) {
      out[e.name] = expandVars(e.value, visible);
      continue;
    }
    const vf = e.valueFrom;
    if (!vf) {
      out[e.name] = "";
      continue;
    }
    if (vf.secretKeyRef || vf.configMapKeyRef) {
      const ref = (vf.secretKeyRef ?? vf.configMapKeyRef)!;
      const kind = vf.secretKeyRef ? "secret" : "configmap";
      const d = await src.get(kind, ref.name ?? "");
      const v = d?.data[ref.key];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(d ? `couldn't find key ${ref.key} in ${kind === "secret" ? "Secret" : "ConfigMap"} ${ns}/${ref.name}` : `${kind} "${ref.name}" not found`);
      }
      out[e.name] = v;
    } else if (vf.fieldRef) {
      out[e.name] = fieldRef(pod, vf.fieldRef.fieldPath);
    } else if (vf.resourceFieldRef) {
      out[e.name] = resourceFieldRef(container, vf.resourceFieldRef.resource);
    }
  }
  return out;
}
