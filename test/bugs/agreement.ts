/**
 * Agreement of two posterior samples of the same model (the bundled engine's and JAGS's),
 * node by node, and what the tests need to produce them.
 *
 * The rule, for every monitored scalar node that varies:
 * - means: |mean_a − mean_b| ≤ 4 · √(mcse_a² + mcse_b²), with mcse the Monte Carlo standard
 *   error of the mean (posterior's mcse_mean, from the ESS of the split chains);
 * - SDs: |sd_a / sd_b − 1| ≤ 10%, judged when the runs estimate both SDs well enough for 10%
 *   to mean something: the combined relative Monte Carlo error of the two SDs,
 *   √((mcse_sd_a/sd_a)² + (mcse_sd_b/sd_b)²), at most 2.5%, so that 10% is at least 4 of them.
 *   mcse_sd comes from the variance of the squared deviations and their ESS (the delta
 *   method, as posterior's mcse_sd).
 * Nodes that are constant in both samples must be equal.
 */
import { essBasic, mean, pooled, splitChains, variance } from '../../src/mcmc/diagnostics.js';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { runBundledEngine } from '../../src/bugs/run.js';
import type { CodaOutput } from '../../src/jags/coda.js';
import { readSamples, runJags } from '../../src/jags/jags-cli.js';

export const MEAN_MCSES = 4;
export const SD_TOLERANCE = 0.1;
/** The SD check is judged when the combined relative MC error of the two SDs is at most this. */
export const SD_PRECISION = SD_TOLERANCE / 4;

export interface NodeStats {
  readonly mean: number;
  readonly sd: number;
  readonly mcse: number;
  readonly mcseSd: number;
  /** ESS of the mean (split chains). */
  readonly essMean: number;
}

/** Monte Carlo standard error of the posterior SD (delta method on the squared deviations). */
export function mcseSd(chains: readonly Float64Array[]): number {
  const all = pooled(chains);
  const m = mean(all);
  const sq = chains.map((c) => c.map((x) => (x - m) * (x - m)));
  const ess = essBasic(splitChains(sq));
  const sqAll = pooled(sq);
  const ev = mean(sqAll);
  if (!(ev > 0) || !(ess > 0)) return NaN;
  return Math.sqrt(variance(sqAll, ev) / ess) / (2 * Math.sqrt(ev));
}

/** Mean, SD and their Monte Carlo errors (the mean's as summarize computes it). */
export function nodeStats(chains: readonly Float64Array[]): NodeStats {
  const all = pooled(chains);
  const m = mean(all);
  const sd = Math.sqrt(variance(all, m));
  if (!(sd > 0)) return { mean: m, sd: 0, mcse: 0, mcseSd: 0, essMean: NaN };
  const ess = essBasic(splitChains(chains));
  return { mean: m, sd, mcse: sd / Math.sqrt(ess), mcseSd: mcseSd(chains), essMean: ess };
}

export function statsOf(coda: CodaOutput): Map<string, NodeStats> {
  const out = new Map<string, NodeStats>();
  for (const name of coda.names) out.set(name, nodeStats(coda.chains.map((c) => c.get(name)!.values)));
  return out;
}

/**
 * Runs the real JAGS in dirJ and the bundled engine in dirO at once (JAGS is a process of its
 * own), after `prepare` has written the folders, and returns both engines' node statistics;
 * both folders are removed afterwards, whatever happens.
 */
export async function runBothEngines(dirJ: string, dirO: string, prepare: () => Promise<void> = async () => undefined): Promise<{ jags: Map<string, NodeStats>; ours: Map<string, NodeStats> }> {
  try {
    await prepare();
    const [, written] = await Promise.all([runJags(dirJ), runBundledEngine(dirO, { quiet: true })]);
    assert.ok(written, 'the bundled engine wrote no CODA files');
    return { jags: statsOf(readSamples(dirJ)), ours: statsOf(written.coda) };
  } finally {
    rmSync(dirJ, { recursive: true, force: true });
    rmSync(dirO, { recursive: true, force: true });
  }
}

export interface NodeVerdict {
  readonly name: string;
  /** (mean_a − mean_b) / √(mcse_a² + mcse_b²). */
  readonly z: number;
  /** sd_a / sd_b − 1. */
  readonly sdDiff: number;
  /** Combined relative MC error of the SDs, and each sample's (a's, b's). */
  readonly sdPrecision: number;
  readonly sdErrorA: number;
  readonly sdErrorB: number;
  readonly sdJudged: boolean;
  readonly ok: boolean;
  readonly why: string;
}

const fmt = (x: number) => (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(4) : x.toPrecision(5));

/** The verdict for one node: a = bundled engine, b = JAGS. */
export function compareNode(name: string, a: NodeStats, b: NodeStats): NodeVerdict {
  if (!(a.sd > 0) || !(b.sd > 0)) {
    const same = !(a.sd > 0) && !(b.sd > 0) && Math.abs(a.mean - b.mean) <= 1e-9 * Math.max(1, Math.abs(b.mean));
    return { name, z: 0, sdDiff: 0, sdPrecision: 0, sdErrorA: 0, sdErrorB: 0, sdJudged: false, ok: same, why: same ? '' : `${name}: constant in one sample only (sd ${a.sd} vs ${b.sd}, mean ${a.mean} vs ${b.mean})` };
  }
  const z = (a.mean - b.mean) / Math.sqrt(a.mcse * a.mcse + b.mcse * b.mcse);
  const sdDiff = a.sd / b.sd - 1;
  const sdErrorA = a.mcseSd / a.sd;
  const sdErrorB = b.mcseSd / b.sd;
  const sdPrecision = Math.sqrt(sdErrorA ** 2 + sdErrorB ** 2);
  const sdJudged = sdPrecision <= SD_PRECISION;
  const problems: string[] = [];
  if (!(Math.abs(z) <= MEAN_MCSES)) problems.push(`means ${fmt(a.mean)} vs JAGS ${fmt(b.mean)} differ by ${Math.abs(z).toFixed(2)} combined MCSEs (mcse ${fmt(a.mcse)}, ${fmt(b.mcse)})`);
  if (sdJudged && !(Math.abs(sdDiff) <= SD_TOLERANCE)) problems.push(`SDs ${fmt(a.sd)} vs JAGS ${fmt(b.sd)} differ by ${(100 * sdDiff).toFixed(1)}% (MC error ${(100 * sdPrecision).toFixed(1)}%)`);
  return { name, z, sdDiff, sdPrecision, sdErrorA, sdErrorB, sdJudged, ok: problems.length === 0, why: problems.length ? `${name}: ${problems.join('; ')}` : '' };
}

/** Verdicts for every node of `b` (JAGS); a node missing from `a` fails. */
export function compareSamples(a: ReadonlyMap<string, NodeStats>, b: ReadonlyMap<string, NodeStats>): NodeVerdict[] {
  const out: NodeVerdict[] = [];
  for (const [name, sb] of b) {
    const sa = a.get(name);
    if (!sa) {
      out.push({ name, z: NaN, sdDiff: NaN, sdPrecision: NaN, sdErrorA: NaN, sdErrorB: NaN, sdJudged: false, ok: false, why: `${name}: no draws from the bundled engine` });
      continue;
    }
    out.push(compareNode(name, sa, sb));
  }
  for (const name of a.keys()) {
    if (!b.has(name)) out.push({ name, z: NaN, sdDiff: NaN, sdPrecision: NaN, sdErrorA: NaN, sdErrorB: NaN, sdJudged: false, ok: false, why: `${name}: no draws from JAGS` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The fixture models (the list test/jags/fixtures-jags.test.ts runs in JAGS).
