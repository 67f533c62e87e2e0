// Builds the dashboard's browser bundle (Preact, no CDN) into dist/dashboard/: app.js and app.css.
// Run by `npm run build` and `npm ci` (the prepare script); `--watch` rebuilds on change.
import { build, context } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', '..', 'dist', 'dashboard');
const options = {
  entryPoints: [join(here, 'main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outfile: join(out, 'app.js'),
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

await mkdir(out, { recursive: true });
await copyFile(join(here, 'style.css'), join(out, 'app.css'));
if (process.argv.includes('--watch')) {
  await (await context(options)).watch();
} else {
  await build(options);
}
