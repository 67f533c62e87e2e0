// The Dockerfiles can't be built here (no Docker): they are linted with dockerfile-utils (the
// VS Code Docker extension's validator) and checked against the image policy with dockerfile-ast.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DockerfileParser, type Dockerfile } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helm.js';

const DOCKERFILES = ['Dockerfile', 'stage-images/Dockerfile.cpu', 'stage-images/Dockerfile.gpu'];
/** The Node base every Dockerfile defaults to: a maintained LTS line (Node 20 reached end of life on 2026-04-30). */
const NODE_BASE = /^node:(22|24)\.\d+\.\d+-bookworm-slim$/;
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const E = ValidationSeverity.ERROR;
const strict = { deprecatedMaintainer: E, directiveCasing: E, emptyContinuationLine: E, instructionCasing: E, instructionCmdMultiple: E, instructionEntrypointMultiple: E, instructionHealthcheckMultiple: E, instructionJSONInSingleQuotes: E, instructionWorkdirRelative: E };

/** `ARG NAME=default` before the first FROM, for resolving `FROM ${NAME}`. */
function globalArgs(df: Dockerfile): Record<string, string> {
  const out: Record<string, string> = {};
  const firstFrom = df.getFROMs()[0]?.getRange().start.line ?? Infinity;
  for (const i of df.getInstructions().filter((x) => x.getRange().start.line < firstFrom)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(i.getArgumentsContent() ?? '');
    if (i.getKeyword() === 'ARG' && m) out[m[1]] = m[2];
  }
  return out;
}

/** Each FROM's image with ARG defaults filled in, skipping references to earlier stages. */
function baseImages(df: Dockerfile): string[] {
  const args = globalArgs(df);
  const stages = new Set<string>();
  const images: string[] = [];
  for (const from of df.getFROMs()) {
    const image = (from.getImage() ?? '').replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, name: string) => args[name] ?? '');
    if (!stages.has(image)) images.push(image);
    const stage = from.getBuildStage();
    if (stage) stages.add(stage);
  }
  return images;
}

/** Instructions of the last stage (the image that ships). */
function finalStage(df: Dockerfile) {
  const froms = df.getFROMs();
  const last = froms[froms.length - 1];
  return df.getInstructions().filter((i) => i.getRange().start.line >= last.getRange().start.line);
}

describe.each(DOCKERFILES)('%s', (file) => {
  const text = read(file);
  const df = DockerfileParser.parse(text);

  it('passes the linter with every rule as an error', () => {
    expect(validate(text, strict).map((d) => `${file}:${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('pins every base image to an explicit tag (no latest, no implicit tag)', () => {
    const images = baseImages(df);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      expect(image, `${file}: base image`).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9._-]+$/);
      expect(image).not.toMatch(/:latest$/);
    }
  });

  it('ships a non-root image (uid 10001) whose entrypoint is tini -- node /app/bin/bugforge.js', () => {
    const last = finalStage(df);
    const users = last.filter((i) => i.getKeyword() === 'USER').map((i) => i.getArgumentsContent());
    expect(users.at(-1)).toBe('10001:10001');
    const entrypoint = last.filter((i) => i.getKeyword() === 'ENTRYPOINT').at(-1);
    expect(JSON.parse(entrypoint?.getArgumentsContent() ?? 'null')).toEqual(['tini', '--', 'node', '/app/bin/bugforge.js']);
  });
});

describe('image contents', () => {
  it('Dockerfile: builds with npm ci + npm run build, installs production deps only, CPU onnxruntime, HOME under /tmp', () => {
    const text = read('Dockerfile');
    const bases = baseImages(DockerfileParser.parse(text));
    expect(new Set(bases).size).toBe(1);
    expect(bases[0]).toMatch(NODE_BASE);
    expect(text).toMatch(/\n && npm ci --ignore-scripts/);
    expect(text).toMatch(/RUN npm run build/);
    expect(text).toMatch(/\n && npm ci --omit=dev/);
    expect(text).toContain('ONNXRUNTIME_NODE_INSTALL_CUDA=skip');
    expect(text).toMatch(/HOME=\/tmp/);
    expect(text).toMatch(/apt-get install [^\n]*tini/);
  });

  it('Dockerfile: every COPY source exists and is not excluded by .dockerignore', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const df = DockerfileParser.parse(read('Dockerfile'));
    const sources = df.getInstructions()
      .filter((i) => i.getKeyword() === 'COPY' && !/^COPY\s+--from/.test(i.getTextContent()))
      .flatMap((i) => i.getArguments().slice(0, -1).map((a) => a.getValue()));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'bin', 'api', 'cli', 'core', 'operator', 'stage-images', 'demo']));
    for (const src of sources) {
      expect(existsSync(path.join(repoRoot, src)), `COPY ${src}: no such file`).toBe(true);
      expect(ignored, `COPY ${src} is excluded by .dockerignore`).not.toContain(src);
    }
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });

  it('Dockerfile: the registry CA reaches npm as a build secret only, never a file or ENV of the image', () => {
    const text = read('Dockerfile');
    const npmCi = text.split('\nRUN ').filter((step) => step.includes('npm ci'));
    expect(npmCi).toHaveLength(2);
    for (const step of npmCi) {
      expect(step).toMatch(/^--mount=type=secret,id=ca_bundle,required=false/);
      expect(step).toContain('NODE_EXTRA_CA_CERTS=/run/secrets/ca_bundle');
    }
    const last = finalStage(DockerfileParser.parse(text)).map((i) => i.getTextContent()).join('\n');
    expect(last).not.toMatch(/ca_bundle|ca-certificates\.crt|NODE_EXTRA_CA_CERTS|npm_config_cafile/i);
  });

  it('Dockerfile: keeps onnxruntime-node\'s binaries for the build platform only', () => {
    const text = read('Dockerfile');
    expect(text).toContain(`keep="$(node -p 'process.platform + "/" + process.arch')"`);
    expect(text).toMatch(/test -f "node_modules\/onnxruntime-node\/bin\/napi-v3\/\$keep\/onnxruntime_binding\.node"/);
    expect(text).toMatch(/find node_modules\/onnxruntime-node\/bin\/napi-v3 .* ! -path "\*\/napi-v3\/\$keep" -exec rm -rf/);
  });

  it('Dockerfile: drops onnxruntime-web only while @huggingface/transformers\' Node build leaves it out', () => {
    expect(read('Dockerfile')).toContain('rm -rf node_modules/onnxruntime-web');
    const nodeBuild = readFileSync(path.join(repoRoot, 'node_modules/@huggingface/transformers/dist/transformers.node.mjs'), 'utf8');
    expect(nodeBuild).toContain('onnxruntime-web (ignored)');
    expect(nodeBuild).not.toMatch(/from ["']onnxruntime-web/);
  });

  it('Dockerfile.gpu: CUDA 12 + cuDNN runtime base, Node (same LTS as the CPU image) copied from the official image, onnxruntime-node CUDA 12 provider at build time', () => {
    const text = read('stage-images/Dockerfile.gpu');
    const images = baseImages(DockerfileParser.parse(text));
    expect(images).toContain(baseImages(DockerfileParser.parse(read('Dockerfile')))[0]);
    expect(images.some((i) => NODE_BASE.test(i))).toBe(true);
    expect(images.some((i) => /^nvidia\/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu\d+\.\d+$/.test(i))).toBe(true);
    expect(text).toContain('ONNXRUNTIME_NODE_INSTALL_CUDA=v12');
    expect(text).toMatch(/npm rebuild onnxruntime-node/);
    expect(text).toContain('libonnxruntime_providers_cuda.so');
    expect(text).toMatch(/COPY --from=node \/usr\/local\/bin\/node/);
  });
});
