/** Reading what the real node did: which container ran a Pod, from which image digest, with what log. */
import { inject } from "vitest";
import type { ImportedImage } from "./images.js";
import { ctr } from "./containerd.js";
import { kubectlWith } from "./index.js";

export interface ContainerRecord {
  pod: string;
  container: string;
  /** containerd://<64 hex> */
  containerID: string;
  /** The image reference and the digest the kubelet reports (sha256:...). */
  image: string;
  imageID: string;
}

interface PodJson {
  metadata: { name: string };
  status?: { containerStatuses?: { name: string; containerID?: string; image: string; imageID: string }[] };
}

/** The images provided by the real node's globalSetup. */
export function realNodeImages(): ImportedImage[] {
  return JSON.parse(inject("realNodeImages")) as ImportedImage[];
}

export function imageTag(name: string): string {
  const img = realNodeImages().find((i) => i.name === name);
  if (!img) throw new Error(`image ${name} was not imported into the real node (run \`npm run images\`)`);
  return img.tag;
}

/** kubectl with the real node's admin kubeconfig. */
export function kubectl(args: string[], input?: string): string {
  return kubectlWith(inject("kubeconfig"))(args, input);
}

/** Every started container of the Pods matching a label selector (or all Pods) in a namespace. */
export function containersOf(namespace: string, selector?: string): ContainerRecord[] {
  const list = JSON.parse(kubectl(["-n", namespace, "get", "pods", ...(selector ? ["-l", selector] : []), "-o", "json"])) as { items: PodJson[] };
  return list.items.flatMap((p) =>
    (p.status?.containerStatuses ?? [])
      .filter((c) => c.containerID)
      .map((c) => ({ pod: p.metadata.name, container: c.name, containerID: c.containerID!, image: c.image, imageID: c.imageID })),
  );
}

/** One line per container for the test log: pod/container, container ID, image and image ID (its config digest). */
export function describeContainers(records: ContainerRecord[]): string {
  return records.map((r) => `  ${r.pod}/${r.container}  ${r.containerID}  ${r.image}  image ID ${r.imageID}`).join("\n");
}

/** What runc was told to enforce for a container: the OCI runtime spec containerd generated for it. */
export interface EnforcedSpec {
  uid: number;
  readonlyRoot: boolean;
  noNewPrivileges: boolean;
  /** Effective capabilities (empty when all are dropped). */
  capabilities: string[];
  /** The seccomp filter's default action (SCMP_ACT_ERRNO for RuntimeDefault), or undefined when unconfined. */
  seccompDefaultAction: string | undefined;
}

export function enforcedSpec(containerID: string): EnforcedSpec {
  const id = containerID.replace(/^containerd:\/\//, "");
  const info = JSON.parse(ctr(["containers", "info", id]).stdout) as {
    Spec: { process: { user: { uid: number }; noNewPrivileges?: boolean; capabilities?: { effective?: string[] } }; root: { readonly?: boolean }; linux?: { seccomp?: { defaultAction: string } } };
  };
  const spec = info.Spec;
  return {
    uid: spec.process.user.uid,
    readonlyRoot: !!spec.root.readonly,
    noNewPrivileges: !!spec.process.noNewPrivileges,
    capabilities: spec.process.capabilities?.effective ?? [],
    seccompDefaultAction: spec.linux?.seccomp?.defaultAction,
  };
}
