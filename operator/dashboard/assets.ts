// The browser bundle (dist/dashboard/app.js, app.css), built by `npm run build` / `npm ci`
// (operator/dashboard/web/build.mjs), and the one HTML page that loads it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/dashboard of this package, from the source tree (tsx) or the compiled one (dist/). */
export function assetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'dashboard');
    dir = dirname(dir);
  }
  throw new Error('cannot find the bugforge package root (for dist/dashboard)');
}

const escapeAttr = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function indexHtml(csrfToken: string, version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${escapeAttr(csrfToken)}">
<meta name="bugforge-version" content="${escapeAttr(version)}">
<title>bugforge</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css?v=${escapeAttr(version)}">
</head>
<body>
<div id="app"><p class="loading">Loading bugforge…</p></div>
<script type="module" src="/assets/app.js?v=${escapeAttr(version)}"></script>
</body>
</html>
`;
}
