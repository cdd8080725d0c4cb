/**
 * The HTML report of a verify run: one self-contained file (inline SVG made at report time
 * with vega-lite + vega, no scripts, no network) holding the verdict table, lmer's group
 * coefficients against the posterior means with intervals, the posterior density of each SD
 * with lmer's estimate marked, and trace plots of the hyperparameters.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ejs from 'ejs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { templatesDir } from '../paths.js';
import type { VerifyReport } from './compare.js';
import { allowedText, mark } from './format.js';
import type { VerifyResult } from './verify.js';

export interface GroupCoefficientPlot {
  /** e.g. "grp: x (fixef + ranef)". */
  readonly title: string;
  readonly points: readonly { readonly level: string; readonly lmer: number; readonly mean: number; readonly lo: number; readonly hi: number }[];
}

export interface DensityPlot {
  readonly title: string;
  readonly node: string;
  /** Pooled posterior draws. */
  readonly draws: Float64Array;
  /** lmer's estimate (REML or ML), marked on the plot. */
  readonly estimate: number;
  readonly estimateLabel: string;
}

export interface TracePlot {
  readonly title: string;
  readonly node: string;
  readonly chains: readonly Float64Array[];
}

export interface ReportInput {
  readonly title: string;
  readonly formula: string;
  readonly data: string;
  readonly settings: readonly (readonly [string, string])[];
  readonly report: VerifyReport;
  readonly coefficients: readonly GroupCoefficientPlot[];
  readonly densities: readonly DensityPlot[];
  readonly traces: readonly TracePlot[];
}

async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const WIDTH = 300;
const HEIGHT = 220;

export function coefficientSpec(p: GroupCoefficientPlot): TopLevelSpec {
  const values = p.points.map((q) => ({ ...q }));
  const lo = Math.min(...values.map((v) => Math.min(v.lmer, v.lo)));
  const hi = Math.max(...values.map((v) => Math.max(v.lmer, v.hi)));
  return {
    title: p.title,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: [{ x: lo, y: lo }, { x: hi, y: hi }] },
        mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'rule', color: '#9ecae1' },
        encoding: {
          x: { field: 'lmer', type: 'quantitative', title: 'lmer (fixef + ranef or ranef)', scale: { zero: false } },
          y: { field: 'lo', type: 'quantitative', title: 'posterior mean, 95% interval', scale: { zero: false } },
          y2: { field: 'hi' },
        },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 18, color: '#08519c' },
        encoding: { x: { field: 'lmer', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' } },
      },
    ],
  };
}

/** A Gaussian kernel density on a grid (Silverman's bandwidth). */
export function density(draws: Float64Array, points = 120): { x: number; density: number }[] {
  const n = draws.length;
  if (n === 0) return [];
  const sorted = Float64Array.from(draws).sort();
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const iqr = sorted[Math.floor(0.75 * (n - 1))] - sorted[Math.floor(0.25 * (n - 1))];
  const h = 0.9 * Math.max(1e-12, Math.min(sd, iqr / 1.34 || sd)) * n ** -0.2;
  const lo = sorted[0] - 3 * h;
  const hi = sorted[n - 1] + 3 * h;
  // Bin the draws first so the cost is points × bins, not points × draws.
  const bins = 512;
  const counts = new Float64Array(bins);
  const w = (hi - lo) / bins;
  for (const x of sorted) counts[Math.min(bins - 1, Math.floor((x - lo) / w))]++;
  const out: { x: number; density: number }[] = [];
  for (let i = 0; i < points; i++) {
    const x = lo + ((hi - lo) * i) / (points - 1);
    let s = 0;
    for (let b = 0; b < bins; b++) {
      if (counts[b] === 0) continue;
      const u = (x - (lo + (b + 0.5) * w)) / h;
      if (Math.abs(u) < 6) s += counts[b] * Math.exp(-0.5 * u * u);
    }
    out.push({ x, density: s / (n * h * Math.sqrt(2 * Math.PI)) });
  }
  return out;
}

export function densitySpec(p: DensityPlot): TopLevelSpec {
  return {
    title: p.title,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: density(p.draws) },
        mark: { type: 'area', color: '#9ecae1', line: { color: '#3182bd' } },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: p.node, scale: { zero: false } },
          y: { field: 'density', type: 'quantitative', title: 'posterior density' },
        },
      },
      {
        data: { values: [{ x: p.estimate, label: p.estimateLabel }] },
        mark: { type: 'rule', color: '#d62728', strokeWidth: 2 },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      },
      {
        data: { values: [{ x: p.estimate, label: p.estimateLabel }] },
        mark: { type: 'text', color: '#d62728', align: 'left', dx: 4, dy: -90 },
        encoding: { x: { field: 'x', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}

export function traceSpec(p: TracePlot, maxPoints = 400): TopLevelSpec {
  const values: { iteration: number; value: number; chain: string }[] = [];
  p.chains.forEach((c, k) => {
    const step = Math.max(1, Math.ceil(c.length / maxPoints));
    for (let i = 0; i < c.length; i += step) values.push({ iteration: i + 1, value: c[i], chain: `chain ${k + 1}` });
  });
  return {
    title: p.title,
    width: WIDTH,
    height: 140,
    data: { values },
    mark: { type: 'line', strokeWidth: 0.8, opacity: 0.8 },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'iteration (after burn-in)' },
      y: { field: 'value', type: 'quantitative', title: p.node, scale: { zero: false } },
      color: { field: 'chain', type: 'nominal', legend: { orient: 'bottom', title: null } },
    },
  };
}

export async function renderReport(input: ReportInput): Promise<string> {
  const [coefficients, densities, traces] = await Promise.all([
    Promise.all(input.coefficients.map((p) => toSvg(coefficientSpec(p)))),
    Promise.all(input.densities.map((p) => toSvg(densitySpec(p)))),
    Promise.all(input.traces.map((p) => toSvg(traceSpec(p)))),
  ]);
  const template = await readFile(join(templatesDir, 'report.html.ejs'), 'utf8');
  return ejs.render(template, { ...input, svgs: { coefficients, densities, traces }, fmt: formatNumber, allowed: allowedText, mark }, { async: false });
}

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return x === Infinity ? '∞' : String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(3);
  return Number(x.toPrecision(4)).toString();
}

/** The most groups drawn in one coefficient plot (more are thinned evenly; the title says so). */
const MAX_POINTS = 1000;
/** The most trace plots (hyperparameters in names.json order). */
const MAX_TRACES = 24;

/** A report's plots and tables from a verify result: the data behind every figure. */
export function reportInputFromResult(result: VerifyResult, data: string): ReportInput {
  const { names, fit, posterior, draws } = result;
  const chainsOf = (node: string): Float64Array[] | null => {
    const c = draws.chains.map((ch) => ch.get(node)?.values);
    return c.every((x): x is Float64Array => x !== undefined) ? c : null;
  };
  const coefficients: GroupCoefficientPlot[] = [];
  for (const [group, r] of Object.entries(names.ranef)) {
    const fr = fit.ranef[group];
    if (!fr) continue;
    r.terms.forEach((term, k) => {
      const col = fr.terms.length === r.terms.length && fr.terms[k] === term ? k : fr.terms.indexOf(term);
      if (col < 0) return;
      const add = r.includesFixef[k] ? (fit.fixef[term] ?? 0) : 0;
      const step = Math.max(1, Math.ceil(fr.levels.length / MAX_POINTS));
      const points: GroupCoefficientPlot['points'][number][] = [];
      for (let j = 0; j < fr.levels.length; j += step) {
        const s = posterior.get(r.nodes[k].replace('{j}', String(j + 1)));
        if (!s) continue;
        points.push({ level: fr.levels[j], lmer: fr.values[j][col] + add, mean: s.mean, lo: s.q2_5, hi: s.q97_5 });
      }
      if (points.length === 0) return;
      const thinned = step > 1 ? ` (every ${step}th of ${fr.levels.length} groups)` : '';
      coefficients.push({ title: `${group}: ${term}${r.includesFixef[k] ? ' (fixef + ranef)' : ''}${thinned}`, points });
    });
  }
  const estimateLabel = (x: number) => `${result.method} ${formatNumber(x)}`;
  const densities: DensityPlot[] = [];
  for (const vc of names.varcorr) {
    const fvc = fit.varcorr.find((v) => v.group === vc.group);
    vc.sd.forEach((node, k) => {
      const chains = chainsOf(node);
      const est = fvc?.sd[fvc.terms.indexOf(vc.terms[k])];
      if (!chains || est === undefined || est === null) return;
      densities.push({ title: `SD ${vc.group}: ${vc.terms[k]}`, node, draws: pooledDraws(chains), estimate: est, estimateLabel: estimateLabel(est) });
    });
  }
  const sigmaChains = chainsOf(names.sigma);
  if (sigmaChains) densities.push({ title: 'residual SD (sigma)', node: names.sigma, draws: pooledDraws(sigmaChains), estimate: fit.sigma, estimateLabel: estimateLabel(fit.sigma) });

  const hyper: { title: string; node: string }[] = [];
  for (const [name, node] of Object.entries(names.fixef)) hyper.push({ title: `fixef ${name}`, node });
  hyper.push({ title: 'sigma', node: names.sigma });
  for (const vc of names.varcorr) {
    vc.sd.forEach((node, k) => hyper.push({ title: `SD ${vc.group}: ${vc.terms[k]}`, node }));
    vc.corr.forEach((row, k) => row.forEach((node, l) => {
      if (node && l > k) hyper.push({ title: `corr ${vc.group}: ${vc.terms[k]} ~ ${vc.terms[l]}`, node });
    }));
  }
  const traces: TracePlot[] = [];
  for (const h of hyper.slice(0, MAX_TRACES)) {
    const chains = chainsOf(h.node);
    if (chains) traces.push({ title: h.title, node: h.node, chains });
  }
  const o = result.options;
  return {
    title: `lmer2jags verify: ${result.formula}`,
    formula: result.formula,
    data,
    settings: [
      ['observations', String(result.nobs)],
      ['lmer', result.method],
      ['engine', result.engine === 'jags' ? 'JAGS' : 'bundled'],
      ['chains × draws', `${result.chains} × ${result.drawsPerChain} (burn-in ${o.burnin}, thin ${o.thin}, seed ${o.seed})`],
      ['conversion', `--param ${o.param} --cov ${o.cov} --priors ${o.priors}`],
      ['seconds', `fit ${result.seconds.fit.toFixed(1)}, sample ${result.seconds.sample.toFixed(1)}, total ${result.seconds.total.toFixed(1)}`],
    ],
    report: result.report,
    coefficients,
    densities,
    traces,
  };
}

function pooledDraws(chains: readonly Float64Array[]): Float64Array {
  const n = chains.reduce((a, c) => a + c.length, 0);
  const out = new Float64Array(n);
  let at = 0;
  for (const c of chains) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
