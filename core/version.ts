import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root: two levels up from dist/core/, one from core/ when run from source. */
export const PACKAGE_ROOT: string = [fileURLToPath(new URL('../', import.meta.url)), fileURLToPath(new URL('../../', import.meta.url))]
  .find((dir) => existsSync(`${dir}package.json`) && existsSync(`${dir}api`) ) ?? fileURLToPath(new URL('../', import.meta.url));

export const BUGFORGE_VERSION: string = (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string }).version;
