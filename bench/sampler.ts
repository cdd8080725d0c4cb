/**
 * Sampler speed: the bundled engine against the real JAGS on the same converted files, side by
 * side, each as a whole process: `node bin/lmer2jags sample DIR --quiet` (which also reads the
 * CODA files back and prints the summary) against `jags run.cmd` in DIR.
 *
 * For every run: wall time, the smallest bulk ESS over the nodes that stand for lmer's
 * estimates (fixed effects, the random-effect SDs and the residual SD, found through
 * names.json) and that ESS per second. A case's numbers are the medians over the repeats;
 * repeat r converts with --seed r, so the runs differ in their random numbers too (JAGS takes
 * its seeds from the inits files, the bundled engine from the same files).
 *
 * Cases: the seed post's model `y ~ x + (x | grp)` on its data in each --cov form,
 * sleepstudy `Reaction ~ Days + (Days | Subject)`, and `y ~ x + (x | grp)` on simulated data
 * with 1,000 groups of 8. Conversions use the default options (4 chains, burn-in 1000, 5000
 * iterations). Target: the bundled engine's min-ESS per second at least 2x JAGS's on every
 * case; process.exitCode is set to 1 when a case misses it.
 *
 *   npm run bench -- sampler [--repeats 3] [--cases seed-lkj,sleepstudy] [--json FILE]
 *   npm run build && node dist/bench/sampler.js [same options]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataFile } from '../src/data/read.js';
import { simulateGrouped, simulatedTable } from '../src/data/simulate.js';
import type { DataTable } from '../src/data/table.js';
import { readSamples } from '../src/jags/jags-cli.js';
import type { NamesJson } from '../src/jags/names.js';
import { type ConvertOptions, convertModel } from '../src/jags/render.js';
import { writeConversion } from '../src/jags/write.js';
import { essBulk } from '../src/mcmc/diagnostics.js';
import { buildModelSpec } from '../src/model/build.js';
import { packageRoot } from '../src/paths.js';

/** The bundled engine must reach at least this multiple of JAGS's min-ESS per second. */
export const TARGET_RATIO = 2;

export interface BenchCase {
  readonly id: string;
  readonly formula: string;
  readonly data: () => Promise<DataTable>;
  readonly options: ConvertOptions;
}

const seedData = () => readDataFile(join(packageRoot, 'fixtures', 'seed', 'data.csv'));

export const CASES: readonly BenchCase[] = [
  ...(['scaled-wishart', 'wishart', 'independent', 'uniform-rho', 'lkj'] as const).map((cov) => ({
    id: `seed-${cov}`,
    formula: 'y ~ x + (x | grp)',
    data: seedData,
    options: { cov },
  })),
  {
    id: 'sleepstudy',
    formula: 'Reaction ~ Days + (Days | Subject)',
    data: () => readDataFile(join(packageRoot, 'fixtures', 'data', 'sleepstudy.csv')),
    options: {},
  },
  {
    id: 'groups-1000',
    formula: 'y ~ x + (x | grp)',
    data: async () => simulatedTable(simulateGrouped({ groups: 1000, perGroup: 8, seed: 1 })),
    options: {},
  },
];

/** One process's result. */
export interface RunResult {
  readonly seconds: number;
  /** Smallest bulk ESS over the key nodes, and which node it was. */
  readonly minEss: number;
  readonly worst: string;
}

export interface CaseResult {
  readonly id: string;
  readonly jags: readonly RunResult[];
  readonly bundled: readonly RunResult[];
  /** Medians over the repeats. */
  readonly jagsSeconds: number;
  readonly bundledSeconds: number;
  readonly jagsEssPerSecond: number;
  readonly bundledEssPerSecond: number;
  readonly ratio: number;
}

/** The nodes that stand for lmer's fixef, VarCorr SDs and sigma, from names.json. */
export function keyNodes(names: NamesJson): string[] {
  const out = new Set<string>(Object.values(names.fixef));
  out.add(names.sigma);
  for (const vc of names.varcorr) for (const s of vc.sd) out.add(s);
  return [...out];
}

/** Min bulk ESS over `nodes` in the CODA files of `dir`. */
export function minBulkEss(dir: string, nodes: readonly string[]): { minEss: number; worst: string } {
  const coda = readSamples(dir);
  let minEss = Infinity;
  let worst = '';
  for (const name of nodes) {
    const chains = coda.chains.map((c) => c.get(name)?.values);
    if (chains.some((c) => c === undefined)) throw new Error(`no draws of ${name} in ${dir}`);
    const e = essBulk(chains as Float64Array[]);
    if (!(e >= minEss)) {
      minEss = Number.isNaN(e) ? 0 : e;
      worst = name;
    }
  }
  return { minEss, worst };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Runs a command in `cwd` and returns its wall time in seconds (throws if it fails). */
function timed(command: string, args: readonly string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${r.status}):\n${r.stderr}`);
  return seconds;
}

const CLI = join(packageRoot, 'bin', 'lmer2jags');

export async function runCase(c: BenchCase, repeats: number, log: (s: string) => void = () => undefined): Promise<CaseResult> {
  const table = await c.data();
  const spec = buildModelSpec(c.formula, table);
  const jags: RunResult[] = [];
  const bundled: RunResult[] = [];
  for (let r = 1; r <= repeats; r++) {
    const conv = convertModel(spec, { ...c.options, seed: r });
    const dir = mkdtempSync(join(tmpdir(), `lmer2jags-bench-${c.id}-`));
    try {
      await writeConversion(dir, conv.files);
      const nodes = keyNodes(JSON.parse(readFileSync(join(dir, 'names.json'), 'utf8')) as NamesJson);
      const js = timed('jags', ['run.cmd'], dir);
      jags.push({ seconds: js, ...minBulkEss(dir, nodes) });
      const bs = timed(process.execPath, [CLI, 'sample', dir, '--quiet'], dir);
      bundled.push({ seconds: bs, ...minBulkEss(dir, nodes) });
      const j = jags[jags.length - 1];
      const b = bundled[bundled.length - 1];
      log(`  ${c.id} #${r}: JAGS ${j.seconds.toFixed(1)} s, min ESS ${j.minEss.toFixed(0)} (${j.worst}); bundled ${b.seconds.toFixed(1)} s, min ESS ${b.minEss.toFixed(0)} (${b.worst})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const jagsEssPerSecond = median(jags.map((x) => x.minEss / x.seconds));
  const bundledEssPerSecond = median(bundled.map((x) => x.minEss / x.seconds));
  return {
    id: c.id,
    jags,
    bundled,
    jagsSeconds: median(jags.map((x) => x.seconds)),
    bundledSeconds: median(bundled.map((x) => x.seconds)),
    jagsEssPerSecond,
    bundledEssPerSecond,
    ratio: bundledEssPerSecond / jagsEssPerSecond,
  };
}

function jagsVersion(): string {
  const r = spawnSync('sh', ['-c', 'echo exit | jags 2>&1'], { encoding: 'utf8' });
  const m = /Welcome to JAGS (\S+)/.exec(r.stdout ?? '');
  return m ? m[1] : 'unknown';
}

/** The results as a Markdown table (the README's). */
export function formatTable(results: readonly CaseResult[]): string {
  const rows = [
    '| case | JAGS s | JAGS min ESS | JAGS ESS/s | bundled s | bundled min ESS | bundled ESS/s | ratio | 2x target |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of results) {
    const jm = median(r.jags.map((x) => x.minEss));
    const bm = median(r.bundled.map((x) => x.minEss));
    rows.push(
      `| ${r.id} | ${r.jagsSeconds.toFixed(1)} | ${jm.toFixed(0)} | ${r.jagsEssPerSecond.toFixed(0)} | ${r.bundledSeconds.toFixed(1)} | ${bm.toFixed(0)} | ${r.bundledEssPerSecond.toFixed(0)} | ${r.ratio.toFixed(1)}x | ${r.ratio >= TARGET_RATIO ? 'met' : 'MISSED'} |`,
    );
  }
  return rows.join('\n');
}

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[]): Promise<void> {
  const repeats = Number(option(argv, '--repeats') ?? 3);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats must be a whole number of at least 1, got ${option(argv, '--repeats')}`);
  const wanted = option(argv, '--cases')?.split(',');
  const cases = wanted ? CASES.filter((c) => wanted.includes(c.id)) : CASES;
  if (wanted && cases.length !== wanted.length) {
    throw new Error(`unknown case in --cases ${wanted.join(',')}; the cases are ${CASES.map((c) => c.id).join(', ')}`);
  }
  if (spawnSync('sh', ['-c', 'command -v jags']).status !== 0) {
    console.log('sampler benchmark skipped: jags is not installed (apt-get install jags)');
    return;
  }
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}, JAGS ${jagsVersion()}`;
  console.log(`sampler benchmark, ${new Date().toISOString().slice(0, 10)}: ${machine}; ${repeats} repeat(s), medians`);
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(c, repeats, (s) => console.log(s)));
  console.log(formatTable(results));
  const missed = results.filter((r) => r.ratio < TARGET_RATIO);
  console.log(missed.length === 0 ? `every case meets the ${TARGET_RATIO}x target` : `missed the ${TARGET_RATIO}x target: ${missed.map((r) => r.id).join(', ')}`);
  const jsonPath = option(argv, '--json');
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify({ date: new Date().toISOString(), machine, repeats, targetRatio: TARGET_RATIO, results }, null, 2)}\n`);
  if (missed.length > 0) process.exitCode = 1;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exitCode = 3;
  });
}

