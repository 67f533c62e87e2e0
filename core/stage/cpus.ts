// How many CPUs this process may use: the machine's, capped by the container's CPU limit
// (cgroup v2 cpu.max, which os.availableParallelism() does not read), or BUGFORGE_WORKERS.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The CPU limit a cgroup v2 `cpu.max` ("max 100000", "150000 100000") sets, or undefined for none. */
export function cgroupCpuLimit(cpuMax: string | undefined): number | undefined {
  const [quota, period] = (cpuMax ?? '').trim().split(/\s+/);
  if (!quota || quota === 'max' || !Number(period)) return undefined;
  return Number(quota) / Number(period);
}

/** CPUs to use: BUGFORGE_WORKERS when set, else the machine's capped by the container's limit (at least 1). */
export function usableCpus(env: NodeJS.ProcessEnv = process.env, cpuMaxFile = '/sys/fs/cgroup/cpu.max'): number {
  const forced = Number(env.BUGFORGE_WORKERS);
  if (Number.isInteger(forced) && forced > 0) return forced;
  let cpuMax: string | undefined;
  try {
    cpuMax = readFileSync(cpuMaxFile, 'utf8');
  } catch {
    cpuMax = undefined; // not cgroup v2 (or not Linux): no limit known
  }
  const limit = cgroupCpuLimit(cpuMax);
  return Math.max(1, Math.min(availableParallelism(), limit === undefined ? Infinity : Math.round(limit)));
}
