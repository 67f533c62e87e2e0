// Browser tests' helpers: Debian's Chromium driven by playwright-core, screenshots into
// test-results/screenshots (CI keeps the folder), the dashboard bundle built once, local runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../support/cluster.js';

export const SCREENSHOTS = path.join(repoRoot, 'test-results', 'screenshots');

/** The system Chromium (apt-get install -y chromium), or CHROMIUM_PATH. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium found (tried ${candidates.join(', ')}): apt-get install -y chromium, or set CHROMIUM_PATH`);
  return found;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start. IsolateSandboxedIframes
    // off: headless screenshots leave a sandboxed frame (the report) blank when it has its own process.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-features=IsolateSandboxedIframes'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Builds dist/dashboard (what `npm ci` / `npm run build` does) so the tests serve this checkout's pages. */
export function buildDashboardBundle(): void {
  const built = spawnSync(process.execPath, [path.join(repoRoot, 'operator/dashboard/web/build.mjs')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building the dashboard bundle failed: ${built.stderr}`);
}

const tsx = path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs');
export const cliArgs = [ '--import', tsx, path.join(repoRoot, 'cli/main.ts')];

/** `bugforge run --local -f <file>` in `cwd`; rejects with the output when it fails. */
export function runLocal(cwd: string, file: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgs, 'run', '--local', '-f', file, '--no-progress'], { cwd, env: { ...env, BUGFORGE_LOG_FORMAT: 'json' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d; });
    child.stderr.on('data', (d: Buffer) => { out += d; });
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bugforge run --local -f ${file} exited ${code}:\n${out}`))));
  });
}
