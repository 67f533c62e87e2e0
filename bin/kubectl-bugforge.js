#!/usr/bin/env node
// `kubectl bugforge …`: kubectl runs any `kubectl-<name>` on the PATH as the plugin `kubectl <name>`.
// The same CLI as bin/bugforge.js (list, describe, logs, retry, cancel, and the rest).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(compiled)) {
  console.error('kubectl-bugforge: dist/ is missing — run `npm run build` (npm ci does it for you) and try again.');
  process.exit(1);
}
await import(compiled);
