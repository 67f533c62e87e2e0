import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function readPackage(dir: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(readFileSync(`${dir}package.json`, 'utf8')) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

/** The package root: one level up from core/ when run from source, two from dist/core/. */
export const PACKAGE_ROOT: string = [new URL('../', import.meta.url), new URL('../../', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((dir) => readPackage(dir)?.name === 'bugforge') ?? fileURLToPath(new URL('../', import.meta.url));

export const BUGFORGE_VERSION: string = readPackage(PACKAGE_ROOT)?.version ?? '0.0.0';
