/**
 * Image table of the test kubelet: container images map to local entrypoints.
 *
 * Contract:
 * - A table key is an image reference without or with a tag/digest
 *   ("ghcr.io/bugforge/bugforge" or "ghcr.io/bugforge/bugforge:0.1.0"); the exact
 *   reference is tried first, then the reference with its tag/digest removed.
 * - The value is the image's local entrypoint (argv prefix), or an ImageSpec.
 * - A container WITHOUT `command` runs `entrypoint ++ args`.
 * - A container WITH `command` whose first word is the image's command name (the
 *   last path segment of the image name, e.g. "bugforge" for
 *   ghcr.io/bugforge/bugforge, or "node" for test/node) or one of its `aliases`
 *   runs `entrypoint ++ command[1:] ++ args`.
 * - Any other `command` runs as-is on the host (e.g. ["sh", "-c", "..."]).
 * - An image not in the table makes the Pod stay Pending with the container in
 *   waiting state ErrImagePull / ImagePullBackOff, or ErrImageNeverPull with
 *   `imagePullPolicy: Never` (as a real kubelet would).
 */
import type { V1Container } from "@kubernetes/client-node";

export interface ImageSpec {
  /** argv prefix replacing the image's ENTRYPOINT. */
  entrypoint: string[];
  /** Extra words in `command[0]` that mean "the image's entrypoint" (besides the image's last path segment). */
  aliases?: string[];
  /** Working directory (default: the container's private temp dir; `workingDir` from the spec is used when it exists on this machine). */
  cwd?: string;
  /** Environment added under the container's own env (like an image's ENV). */
  env?: Record<string, string>;
}

export type ImageEntry = string[] | ImageSpec;
export type ImageTable = Record<string, ImageEntry>;

/** "ghcr.io/x/y:tag" -> "ghcr.io/x/y"; "x/y@sha256:..." -> "x/y"; keeps registry ports. */
export function stripTag(image: string): string {
  const at = image.indexOf("@");
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

export function lookupImage(table: ImageTable, image: string): ImageSpec | undefined {
  const entry = table[image] ?? table[stripTag(image)];
  if (!entry) return undefined;
  return Array.isArray(entry) ? { entrypoint: entry } : entry;
}

export interface ResolvedCommand {
  argv: string[];
  spec: ImageSpec;
}

/** The argv a container runs, or undefined when its image is not in the table. */
export function resolveCommand(table: ImageTable, container: V1Container): ResolvedCommand | undefined {
  const image = container.image ?? "";
  const spec = lookupImage(table, image);
  if (!spec) return undefined;
  const args = container.args ?? [];
  const command = container.command ?? [];
  if (command.length === 0) return { argv: [...spec.entrypoint, ...args], spec };
  const name = stripTag(image).split("/").pop() ?? "";
  const words = new Set([name, ...(spec.aliases ?? [])]);
  if (words.has(command[0])) return { argv: [...spec.entrypoint, ...command.slice(1), ...args], spec };
  return { argv: [...command, ...args], spec };
}
