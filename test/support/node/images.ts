/**
 * The images the node runs, built by `npm run images` (scripts/images.sh) as OCI archives in
 * ${BUGFORGE_IMAGE_CACHE:-~/.cache/bugforge/images} with an index.json, imported into the node's
 * containerd (namespace k8s.io, where the kubelet's CRI looks). An archive whose manifest digest is
 * already in containerd under its tag is not imported again.
 */
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ctr } from "./containerd.js";
import { sh } from "./sh.js";

export interface ImageEntry {
  /** Short name in the index: bugforge, bugforge-stages, s3rver, pause, coredns, ... */
  name: string;
  archive: string;
  /** The reference Pods use, e.g. ghcr.io/bugforge/bugforge:dev. */
  tag: string;
}

export interface ImportedImage extends ImageEntry {
  /** The manifest digest (sha256:...) containerd holds under `tag`. */
  digest: string;
  /** The image ID: its config's digest, which the kubelet reports as a container's imageID. */
  imageID: string;
  /** Whether this start imported it (false: already there). */
  imported: boolean;
  importMs: number;
}

export function imageCacheDir(): string {
  return process.env.BUGFORGE_IMAGE_CACHE ?? path.join(os.homedir(), ".cache/bugforge/images");
}

/** The images `npm run images` built, by short name. Throws naming the command when the index or an archive is missing. */
export function readImageIndex(dir = imageCacheDir()): Map<string, ImageEntry> {
  const file = path.join(dir, "index.json");
  if (!existsSync(file)) throw new Error(`no image index at ${file}: run \`npm run images\` first (it builds the images the real node runs)`);
  const index = JSON.parse(readFileSync(file, "utf8")) as { images: ImageEntry[] };
  const out = new Map<string, ImageEntry>();
  for (const img of index.images) {
    if (!existsSync(img.archive)) throw new Error(`${file} lists ${img.archive}, which is missing: run \`npm run images\` again`);
    out.set(img.name, img);
  }
  return out;
}

export function requireImages(index: Map<string, ImageEntry>, names: string[]): ImageEntry[] {
  const missing = names.filter((n) => !index.has(n));
  if (missing.length) throw new Error(`image(s) ${missing.join(", ")} not in the image index (have: ${[...index.keys()].join(", ")}): run \`npm run images\``);
  return names.map((n) => index.get(n)!);
}

/** The manifest digest inside an OCI archive (its index.json's first manifest) and its config's digest (the image ID). */
export function archiveDigests(archive: string): { manifest: string; config: string } {
  const idx = JSON.parse(sh("tar", ["-xOf", archive, "index.json"]).stdout) as { manifests: { digest: string }[] };
  const manifest = idx.manifests[0]?.digest;
  if (!manifest) throw new Error(`${archive}: no manifest in its index.json`);
  const blob = `blobs/${manifest.replace(":", "/")}`;
  const config = (JSON.parse(sh("tar", ["-xOf", archive, blob]).stdout) as { config?: { digest?: string } }).config?.digest;
  if (!config) throw new Error(`${archive}: manifest ${manifest} has no config`);
  return { manifest, config };
}

/** REF -> digest of what containerd holds now. */
export function containerdImages(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of ctr(["images", "ls"]).stdout.split("\n").slice(1)) {
    const [ref, , digest] = line.trim().split(/\s+/);
    if (ref && digest?.startsWith("sha256:")) out.set(ref, digest);
  }
  return out;
}

export function importImages(images: ImageEntry[], log: (m: string) => void = () => {}): ImportedImage[] {
  const have = containerdImages();
  return images.map((img) => {
    const t0 = Date.now();
    const { manifest: want, config } = archiveDigests(img.archive);
    let imported = false;
    if (have.get(img.tag) !== want) {
      ctr(["images", "import", img.archive]);
      imported = true;
    }
    const digest = containerdImages().get(img.tag);
    if (!digest) throw new Error(`importing ${img.archive} did not give containerd an image named ${img.tag} (was the archive pushed with its tag, oci-archive:FILE:TAG?)`);
    if (digest !== want) throw new Error(`containerd holds ${img.tag} at ${digest}, the archive has ${want}`);
    const importMs = Date.now() - t0;
    log(`image ${img.tag} manifest ${digest} id ${config} (${imported ? `imported in ${importMs} ms` : "already in containerd"})`);
    return { ...img, digest, imageID: config, imported, importMs };
  });
}
