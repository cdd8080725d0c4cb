/**
 * Our lmer against lme4's, side by side, on the same CSV files:
 *
 *  - lme4: the lmer() call alone, timed inside R after the data are loaded (bench/lmer.R);
 *  - ours, the command: the wall time of the whole `node bin/lmer2jags fit … --json` process
 *    (start-up, reading the CSV, building the model, fitting, printing the JSON);
 *  - ours, the fit: fitLmer alone in this process, after the data are read and the model built.
 *
 * Medians over several repetitions. Cases: sleepstudy, the seed post's data, y ~ x + (x | grp)
 * with 8 rows per group at 1e3, 1e4 and 1e5 groups (made by `lmer2jags simulate`), and InstEval.
 * Targets: the command at most 0.5× lme4's lmer() at 1e4 and 1e5 groups and at most 1× on
 * InstEval; peak RSS of the command under 1 GB at 1e5 groups. The estimates are compared too
 * (largest relative difference of fixef and θ), so that a fast wrong answer shows.
 *
 *   npm run bench -- lmer [--reps N] [--cases sleepstudy,seed,sim-1e3,sim-1e4,sim-1e5,insteval]
 *                         [--no-r] [--json results.json]
 *
 * Without Rscript and lme4 it says so and times ours alone. Exit code 1 when a target is missed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataFile } from '../src/data/read.js';
import { fitLmer } from '../src/lmer/fit.js';
import { buildModelSpec } from '../src/model/build.js';
import { packageRoot } from '../src/paths.js';

interface Case {
  readonly id: string;
  readonly label: string;
  readonly formula: string;
  /** A data file under the package, or a simulated data set of this many groups of 8. */
  readonly data: string | { readonly groups: number };
  readonly reps: number;
  /** Most allowed ratio of our command's time to lme4's lmer() time. */
  readonly target?: number;
  /** Measure and judge peak RSS of the command here. */
  readonly rssTarget?: number;
}

const GB = 1024 ** 3;

export const CASES: readonly Case[] = [
  { id: 'sleepstudy', label: 'sleepstudy', formula: 'Reaction ~ Days + (Days | Subject)', data: 'fixtures/data/sleepstudy.csv', reps: 10 },
  { id: 'seed', label: 'seed data (100 groups)', formula: 'y ~ x + (x | grp)', data: 'fixtures/seed/data.csv', reps: 10 },
  { id: 'sim-1e3', label: 'simulated, 1e3 groups', formula: 'y ~ x + (x | grp)', data: { groups: 1e3 }, reps: 7 },
  { id: 'sim-1e4', label: 'simulated, 1e4 groups', formula: 'y ~ x + (x | grp)', data: { groups: 1e4 }, reps: 5, target: 0.5 },
  { id: 'sim-1e5', label: 'simulated, 1e5 groups', formula: 'y ~ x + (x | grp)', data: { groups: 1e5 }, reps: 3, target: 0.5, rssTarget: GB },
  {
    id: 'insteval',
    label: 'InstEval',
    formula: 'y ~ service + (1 | s) + (1 | d) + (1 | dept:service)',
    data: 'fixtures/data/InstEval.csv',
    reps: 3,
    target: 1,
  },
];

interface Options {
  reps?: number;
  cases: readonly Case[];
  useR: boolean;
  json?: string;
}

function parseOptions(argv: readonly string[]): Options {
  let reps: number | undefined;
  let cases: readonly Case[] = CASES;
  let useR = true;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--reps') {
      reps = Number(value());
      if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be a whole number of at least 1');
    } else if (a === '--cases') {
      const ids = value().split(',').map((s) => s.trim());
      const unknown = ids.filter((id) => !CASES.some((c) => c.id === id));
      if (unknown.length > 0) throw new Error(`unknown case ${unknown.join(', ')}: the cases are ${CASES.map((c) => c.id).join(', ')}`);
      cases = CASES.filter((c) => ids.includes(c.id));
    } else if (a === '--no-r') useR = false;
    else if (a === '--json') json = value();
    else throw new Error(`unknown option ${a} for the lmer benchmark (options: --reps N, --cases a,b, --no-r, --json FILE)`);
  }
  return { ...(reps !== undefined ? { reps } : {}), cases, useR, ...(json !== undefined ? { json } : {}) };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Proc {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run a process to the end, collecting its output, timing it from spawn to exit. */
function run(cmd: string, args: readonly string[]): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: packageRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - t0 }),
    );
  });
}

const BIN = join(packageRoot, 'bin', 'lmer2jags');

interface RInfo {
  readonly R: string;
  readonly lme4: string;
  readonly Matrix: string;
  readonly blas: string;
}

/** R and lme4, when installed: their versions, else the reason they are not used. */
function detectR(): RInfo | string {
  const r = spawnSync('Rscript', ['-e', 'suppressPackageStartupMessages({library(lme4); library(jsonlite)}); cat(paste(R.version$major, R.version$minor, sep = "."), as.character(packageVersion("lme4")), as.character(packageVersion("Matrix")), extSoftVersion()[["BLAS"]], sep = "\\n")'], { encoding: 'utf8' });
  if (r.error) return `Rscript is not installed (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status !== 0) return `R cannot load lme4 and jsonlite: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  const [R, lme4, Matrix, blas] = r.stdout.trim().split('\n');
  return { R, lme4, Matrix, blas: blas ?? '' };
}

interface LmeResult {
  times: number[];
  criterion: number;
  fixef: Record<string, number>;
  theta: number[];
  feval: number;
  messages: string[];
}

interface FitJson {
  criterion: number;
  fixef: Record<string, number>;
  theta: number[];
  nobs: number;
  warnings: string[];
}

export interface CaseResult {
  id: string;
  label: string;
  formula: string;
  nobs: number;
  groups: string;
  lme4Ms: number | null;
  commandMs: number;
  fitMs: number;
  readMs: number;
  buildMs: number;
  phases: string;
  ratio: number | null;
  target: number | null;
  maxRelFixef: number | null;
  maxRelTheta: number | null;
  criterionDiff: number | null;
  lme4Criterion: number | null;
  peakRssBytes: number | null;
  rssTarget: number | null;
  lme4Messages: string[];
  ourWarnings: string[];
}

function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-8);
}

/** Peak RSS and the phase times of one command run (/usr/bin/time when present, else a preload hook). */
async function measureCommand(args: readonly string[]): Promise<{ rss: number | null; phases: string }> {
  const marker = 'lmer2jags-bench-maxrss-kb';
  let p: Proc;
  if (existsSync('/usr/bin/time')) {
    p = await run('/usr/bin/time', ['-f', `${marker} %M`, process.execPath, BIN, ...args, '--verbose']);
  } else {
    const hook = join(packageRoot, 'dist', 'bench', 'rss-hook.js');
    p = await run(process.execPath, ['--import', hook, BIN, ...args, '--verbose']);
  }
  const m = new RegExp(`${marker} (\\d+)`).exec(p.stderr);
  const phases = /times: (.*)/.exec(p.stderr)?.[1] ?? '';
  return { rss: m ? Number(m[1]) * 1024 : null, phases };
}

async function runCase(c: Case, reps: number, dir: string, rInfo: RInfo | null): Promise<CaseResult> {
  let file: string;
  if (typeof c.data === 'string') file = join(packageRoot, c.data);
  else {
    file = join(dir, `${c.id}.csv`);
    const sim = await run(process.execPath, [BIN, 'simulate', '--groups', String(c.data.groups), '--per-group', '8', '--seed', '1', '--out', file, '--quiet']);
    if (sim.code !== 0) throw new Error(`lmer2jags simulate failed: ${sim.stderr}`);
  }
  const fitArgs = ['fit', c.formula, '--data', file, '--json'];

  // lme4 first (its process is separate, so it does not disturb our timings).
  let lme: LmeResult | null = null;
  if (rInfo) {
    const out = join(dir, `${c.id}.lme4.json`);
    const r = await run('Rscript', [join(packageRoot, 'bench', 'lmer.R'), file, c.formula, String(reps), out]);
    if (r.code !== 0) throw new Error(`bench/lmer.R failed on ${c.id}: ${r.stderr}`);
    lme = JSON.parse(readFileSync(out, 'utf8')) as LmeResult;
  }

  // Our whole command.
  const commandTimes: number[] = [];
  let json: FitJson | null = null;
  for (let i = 0; i < reps; i++) {
    const p = await run(process.execPath, [BIN, ...fitArgs]);
    if (p.code !== 0) throw new Error(`lmer2jags fit failed on ${c.id} (exit ${p.code}): ${p.stderr}`);
    commandTimes.push(p.ms);
    if (i === reps - 1) json = JSON.parse(p.stdout) as FitJson;
  }
  const measured = await measureCommand(fitArgs);

  // fitLmer alone, in this process.
  const t0 = performance.now();
  const table = await readDataFile(file);
  const t1 = performance.now();
  const spec = buildModelSpec(c.formula, table);
  const t2 = performance.now();
  const fitTimes: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    fitLmer(spec);
    fitTimes.push(performance.now() - s);
  }

  const ours = json as FitJson;
  const lme4Ms = lme ? median(lme.times) * 1000 : null;
  const commandMs = median(commandTimes);
  const groups = Object.entries(spec.random.reduce<Record<string, number>>((acc, t) => ({ ...acc, [t.group]: t.levels.length }), {}))
    .map(([g, n]) => `${g} ${n}`)
    .join(', ');
  return {
    id: c.id,
    label: c.label,
    formula: c.formula,
    nobs: ours.nobs,
    groups,
    lme4Ms,
    commandMs,
    fitMs: median(fitTimes),
    readMs: t1 - t0,
    buildMs: t2 - t1,
    phases: measured.phases,
    ratio: lme4Ms ? commandMs / lme4Ms : null,
    target: c.target ?? null,
    maxRelFixef: lme ? Math.max(...Object.keys(lme.fixef).map((k) => relDiff(ours.fixef[k] ?? NaN, lme.fixef[k]))) : null,
    maxRelTheta: lme ? Math.max(...lme.theta.map((t, k) => relDiff(ours.theta[k] ?? NaN, t))) : null,
    criterionDiff: lme ? ours.criterion - lme.criterion : null,
    lme4Criterion: lme ? lme.criterion : null,
    peakRssBytes: measured.rss,
    rssTarget: c.rssTarget ?? null,
    lme4Messages: lme?.messages ?? [],
    ourWarnings: ours.warnings,
  };
}

const sec = (ms: number | null): string => (ms === null ? '—' : ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(3)} s`);
const sci = (x: number | null): string => (x === null ? '—' : x === 0 ? '0' : x.toExponential(1));
const mb = (b: number | null): string => (b === null ? '—' : `${Math.round(b / 1024 ** 2)} MB`);

function verdict(r: CaseResult): string {
  if (r.target === null) return '';
  if (r.ratio === null) return `≤ ${r.target}× (no lme4)`;
  return `≤ ${r.target}×: ${r.ratio <= r.target ? 'met' : 'MISSED'}`;
}

export function formatTable(results: readonly CaseResult[]): string {
  const head = ['case', 'n', 'lme4 lmer()', 'ours: command', 'ours: fitLmer', 'command / lme4', 'target', 'max rel. diff fixef / θ'];
  const rows = results.map((r) => [
    r.label,
    String(r.nobs),
    sec(r.lme4Ms),
    sec(r.commandMs),
    sec(r.fitMs),
    r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`,
    verdict(r),
    `${sci(r.maxRelFixef)} / ${sci(r.maxRelTheta)}`,
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j].length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, j) => c.padEnd(widths[j])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const detected = options.useR ? detectR() : 'lme4 not used (--no-r)';
  const rInfo = typeof detected === 'string' ? null : detected;
  const cpu = cpus();
  console.log(`date: ${new Date().toISOString()}`);
  console.log(`machine: ${cpu.length} cores (${cpu[0]?.model ?? 'unknown CPU'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`node ${process.version}; ${rInfo ? `R ${rInfo.R}, lme4 ${rInfo.lme4}, Matrix ${rInfo.Matrix}, BLAS ${rInfo.blas}` : `${detected}: timing ours alone`}`);
  const dir = mkdtempSync(join(tmpdir(), 'lmer2jags-bench-lmer-'));
  const results: CaseResult[] = [];
  try {
    for (const c of options.cases) {
      const reps = options.reps ?? c.reps;
      process.stdout.write(`${c.label}: ${c.formula}, ${reps} repetitions … `);
      const r = await runCase(c, reps, dir, rInfo);
      results.push(r);
      console.log(`lme4 ${sec(r.lme4Ms)}, ours ${sec(r.commandMs)} (fit ${sec(r.fitMs)}; ${r.phases})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
  console.log(formatTable(results));
  console.log('');
  console.log('Where our command spends its time (one run with --verbose; wall clock):');
  for (const r of results) console.log(`  ${r.label}: ${r.phases}; peak RSS ${mb(r.peakRssBytes)}`);
  console.log('');
  console.log('lme4 lmer(): median elapsed time of the lmer() call in R, data already loaded.');
  console.log('ours: command: median wall time of `node bin/lmer2jags fit FORMULA --data FILE --json` (start-up, read, build, fit, print).');
  console.log('ours: fitLmer: median time of fitLmer(spec) in this process, after reading the data and building the model.');
  let missed = false;
  for (const r of results) {
    if (r.ratio !== null && r.target !== null && r.ratio > r.target) missed = true;
    if (r.rssTarget !== null) {
      const ok = r.peakRssBytes !== null && r.peakRssBytes < r.rssTarget;
      if (!ok) missed = true;
      console.log(`peak RSS of the command, ${r.label}: ${mb(r.peakRssBytes)} (target < ${mb(r.rssTarget)}): ${ok ? 'met' : 'MISSED'}`);
    }
    if (r.criterionDiff !== null && r.lme4Criterion !== null && Math.abs(r.criterionDiff) > 1e-6 * Math.abs(r.lme4Criterion)) {
      console.log(`${r.label}: criterion ours − lme4 = ${r.criterionDiff.toExponential(2)} (more than 1e-6 relative)`);
    }
    const msgs = [...new Set([...r.lme4Messages.map((m) => `lme4: ${m}`), ...r.ourWarnings.map((m) => `ours: ${m}`)])];
    for (const m of msgs) console.log(`${r.label}: ${m.replace(/\n/g, ' ')}`);
  }
  if (options.json) {
    writeFileSync(options.json, JSON.stringify({ date: new Date().toISOString(), cores: cpu.length, cpu: cpu[0]?.model, node: process.version, r: rInfo, results }, null, 2) + '\n');
    console.log(`results written to ${options.json}`);
  }
  if (rInfo && missed) {
    console.log('FAIL: a target was missed');
    process.exitCode = 1;
  } else if (rInfo) console.log('OK: every target met');
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
  });
}
