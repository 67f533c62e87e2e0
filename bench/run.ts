// `npm run bench -- <name> [options]` runs bench/<name>.ts with the options; without a name it
// lists the benchmarks with the first line of each file's header. Each benchmark prints its own
// figures (see bench/README.md); none asserts a time.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
/** Modules the benchmarks share, not benchmarks themselves. */
const SHARED = new Set(['run', 'child', 'memory']);
const names = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((n) => !SHARED.has(n)).sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  if (name) console.error(`no benchmark named ${JSON.stringify(name)}`);
  console.log('usage: npm run bench -- <name> [options]   (options: see the head of bench/<name>.ts and bench/README.md)\n');
  for (const n of names) {
    const header = readFileSync(`${dir}${n}.ts`, 'utf8').split('\n')[0].replace(/^\/\/\s*/, '');
    console.log(`  ${n.padEnd(15)} ${header}`);
  }
  process.exit(name ? 2 : 0);
}
const result = spawnSync(process.execPath, [...process.execArgv, `${dir}${name}.ts`, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
