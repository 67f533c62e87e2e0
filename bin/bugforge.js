#!/usr/bin/env node
// The `bugforge` command: the compiled CLI (npm ci / npm run build writes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(compiled)) {
  console.error('bugforge: dist/ is missing — run `npm run build` (npm ci does it for you) and try again.');
  process.exit(1);
}
await import(compiled);
