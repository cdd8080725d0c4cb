/**
 * ModelSpec + options → the text of every file of a JAGS conversion: model.jags, data.R,
 * inits1.R … initsK.R, run.cmd and names.json.
 *
 * The node names come from names.ts, the prior constants from priors.ts, the starting values
 * from start-values.ts; this file turns them into a view for the ejs templates in templates/
 * (the BUGS text and its comments are laid out there), writes the R-dump files with
 * writeRDump, and checks the options a user can get wrong.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ejs from 'ejs';
import { Lmer2JagsError, type ErrorLocation } from '../errors.js';
import type { ModelSpec } from '../model/spec.js';
import { Rng } from '../mcmc/rng.js';
import { templatesDir } from '../paths.js';
import {
  COVARIANCE_FORMS, INTERCEPT, PARAMETERIZATIONS, formatNamesJson, monitoredNodes, namesJson, planNodes,
  type CoefNode, type CovarianceForm, type NamesJson, type NodePlan, type Parameterization, type TermNodes,
} from './names.js';
import {
  PRIOR_SETS, coefficientPrior, columnStats, formatConstant, lkjShapes, priorInfo, residualSdPrior, sdPrior, wishartScale, xiPrior,
  type ColumnStats, type Prior, type PriorInfo, type PriorSet, type ResponseStats,
} from './priors.js';
import { type RDumpEntry, writeRDump } from './rdump-write.js';
import { startingValues, type StartingValues } from './start-values.js';

export interface ConvertOptions {
  /** group-means (the seed post's, default) or offsets. */
  readonly param?: Parameterization;
  /** Covariance form for correlated (multi-column) terms; default scaled-wishart. */
  readonly cov?: CovarianceForm;
  /** auto (scaled to the data, default) or seed (the post's constants). */
  readonly priors?: PriorSet;
  /** LKJ shape η for --cov lkj (default 1: uniform over correlation matrices). */
  readonly eta?: number;
  readonly chains?: number;
  readonly burnin?: number;
  readonly iter?: number;
  readonly thin?: number;
  readonly seed?: number;
  /** Starting values; default: the least-squares stand-in (start-values.ts). */
  readonly start?: StartingValues;
}

export type ResolvedOptions = Required<Omit<ConvertOptions, 'start'>>;

export const DEFAULT_OPTIONS: ResolvedOptions = {
  param: 'group-means',
  cov: 'scaled-wishart',
  priors: 'auto',
  eta: 1,
  chains: 4,
  burnin: 1000,
  iter: 5000,
  thin: 1,
  seed: 1,
};

export interface Conversion {
  /** File name → content, in the order they are listed to the user. */
  readonly files: Map<string, string>;
  readonly names: NamesJson;
  /** The nodes run.cmd monitors (every node names.json refers to). */
  readonly monitors: readonly string[];
  /** Priors of the nodes that have a simple one (means, fixed effects, SDs, ξ). */
  readonly priors: ReadonlyMap<string, PriorInfo>;
  readonly plan: NodePlan;
  readonly options: ResolvedOptions;
}

/** The file names a conversion may write (inits files for any number of chains). */
export const CONVERSION_FILE = /^(model\.jags|data\.R|run\.cmd|names\.json|inits\d+\.R)$/;

// ---------------------------------------------------------------------------------------------
// Options.

function optionError(message: string, hint: string, location?: ErrorLocation): Lmer2JagsError {
  return new Lmer2JagsError(message, { hint, ...(location ? { location } : {}) });
}

/** JAGS counts iterations in a C int: `update 3000000000` wraps around to a negative count. */
export const MAX_JAGS_ITERATIONS = 2147483647;

function shown(value: unknown): string {
  return typeof value === 'number' && Number.isNaN(value) ? 'something that is not a number' : String(value);
}

function checkInteger(name: string, value: number, min: number, max = MAX_JAGS_ITERATIONS): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw optionError(`--${name} must be a whole number from ${min} to ${max}, got ${shown(value)}`,
      `e.g. --${name} ${DEFAULT_OPTIONS[name as keyof ResolvedOptions]}`);
  }
}

export function resolveOptions(spec: ModelSpec, options: ConvertOptions = {}): ResolvedOptions {
  const o: ResolvedOptions = {
    param: options.param ?? DEFAULT_OPTIONS.param,
    cov: options.cov ?? DEFAULT_OPTIONS.cov,
    priors: options.priors ?? DEFAULT_OPTIONS.priors,
    eta: options.eta ?? DEFAULT_OPTIONS.eta,
    chains: options.chains ?? DEFAULT_OPTIONS.chains,
    burnin: options.burnin ?? DEFAULT_OPTIONS.burnin,
    iter: options.iter ?? DEFAULT_OPTIONS.iter,
    thin: options.thin ?? DEFAULT_OPTIONS.thin,
    seed: options.seed ?? DEFAULT_OPTIONS.seed,
  };
  if (!PARAMETERIZATIONS.includes(o.param)) throw optionError(`unknown --param ${o.param}`, `choose one of: ${PARAMETERIZATIONS.join(', ')}`);
  if (!COVARIANCE_FORMS.includes(o.cov)) throw optionError(`unknown --cov ${o.cov}`, `choose one of: ${COVARIANCE_FORMS.join(', ')}`);
  if (!PRIOR_SETS.includes(o.priors)) throw optionError(`unknown --priors ${o.priors}`, `choose one of: ${PRIOR_SETS.join(', ')}`);
  checkInteger('chains', o.chains, 1, 1000);
  checkInteger('burnin', o.burnin, 0);
  checkInteger('iter', o.iter, 1);
  checkInteger('thin', o.thin, 1);
  if (o.burnin + o.iter > MAX_JAGS_ITERATIONS) {
    throw optionError(`--burnin ${o.burnin} plus --iter ${o.iter} is more iterations than JAGS can count (${MAX_JAGS_ITERATIONS})`, 'use fewer iterations: a few thousand are usually enough');
  }
  if (o.thin > o.iter) throw optionError(`--thin ${o.thin} is larger than --iter ${o.iter}: no draw would be kept`, 'use a --thin no larger than --iter');
  if (!Number.isSafeInteger(o.seed)) throw optionError(`--seed must be a whole number, got ${shown(o.seed)}`, 'e.g. --seed 1');
  if (!(o.eta > 0) || !Number.isFinite(o.eta)) throw optionError(`--eta must be a positive number, got ${shown(o.eta)}`, 'η = 1 is uniform over correlation matrices; larger values favour small correlations');
  if (o.cov === 'uniform-rho') {
    const wide = spec.random.find((t) => t.columns.length > 2);
    if (wide) {
      throw optionError(
        `--cov uniform-rho handles terms with two coefficients, but (${wide.label}) has ${wide.columns.length}`,
        'use --cov scaled-wishart, wishart or lkj for three or more correlated coefficients',
        { kind: 'text', label: 'formula', text: spec.formula, span: wide.span },
      );
    }
  }
  if (spec.weights && spec.weights.some((w) => !(w > 0))) {
    throw optionError('weights of 0 cannot be written as JAGS precisions (tau.y * w[i] must be positive)',
      'drop the rows with weight 0 from the data: they do not count in lmer\'s fit either');
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Templates.

const compiled = new Map<string, ejs.TemplateFunction>();

function template(name: string): ejs.TemplateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    const filename = join(templatesDir, name);
    fn = ejs.compile(readFileSync(filename, 'utf8'), { filename, async: false, strict: false, rmWhitespace: false });
    compiled.set(name, fn);
  }
  return fn;
}

/** Renders templates/<name> with `data`. */
export function renderTemplate(name: string, data: Record<string, unknown>): string {
  return template(name)(data);
}

/** Wraps prose into comment lines of at most `width` characters (after the prefix). */
export function wrapComment(text: string, width = 92): string[] {
  const words = text.replace(/[\r\n\t]+/g, ' ').split(/ +/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// The model view.

interface PriorLine {
  readonly text: string;
  readonly comment: string;
  /** The upper bound of a uniform prior (for starting values inside it). */
  readonly upper?: number;
}

interface CoefView {
  readonly node: string;
  readonly column: string;
  /** 1-based position in the term. */
  readonly k: number;
  readonly mu: string | null;
  readonly muPrior: PriorLine | null;
  readonly sigma: string;
  readonly tau: string;
  readonly sdPrior: PriorLine;
  readonly xi: string | null;
  readonly xiPrior: PriorLine | null;
  /** Wishart: R[k,k] and where it came from. */
  readonly rDiag: PriorLine | null;
}

interface TermView {
  readonly comment: readonly string[];
  readonly form: TermNodes['form'];
  readonly K: number;
  readonly index: string;
  readonly m: string;
  readonly coefs: readonly CoefView[];
  readonly rho: string | null;
  readonly B: string;
  readonly mean: string;
  readonly Tau: string;
  readonly Sigma: string;
  readonly R: string;
  readonly u: string;
  readonly z: string;
  readonly L: string;
  readonly corr: string;
  readonly lkj: { readonly eta: string; readonly shapes: readonly { readonly k: number; readonly shape: string }[] } | null;
}

interface ModelView {
  readonly header: readonly string[];
  readonly likelihood: readonly string[];
  readonly y: string;
  readonly n: string;
  readonly yhat: string;
  readonly predictor: string;
  readonly weights: string | null;
  readonly tauY: string;
  readonly sigmaY: string;
  readonly residualPrior: PriorLine;
  readonly terms: readonly TermView[];
  readonly betaComment: readonly string[];
  readonly betas: readonly { readonly node: string; readonly column: string; readonly prior: PriorLine }[];
}

function joinWords(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

const FORM_WORDS: Record<CovarianceForm, string> = {
  independent: 'independent normals (the seed post\'s form)',
  'uniform-rho': 'a bivariate normal with uniform priors on the two SDs and rho ~ dunif(-1, 1) (Gelman & Hill\'s two-coefficient form)',
  wishart: 'a multivariate normal whose precision matrix has a Wishart prior; the SDs and correlations are derived from its inverse',
  'scaled-wishart':
    "a multivariate normal with Gelman & Hill's scaled inverse-Wishart prior: raw coefficients are multivariate normal with precision Tau.raw ~ dwish(I, K + 1), and each coefficient is its mean plus a scale factor xi ~ dunif(0, A) times its raw one, which frees each SD from the Wishart's single degree of freedom",
  lkj: 'a multivariate normal with separate uniform priors on the SDs and an LKJ prior on the correlation matrix, built from partial correlations (C-vine)',
};

function termComment(spec: ModelSpec, plan: NodePlan, t: TermNodes): string[] {
  const term = t.term;
  const m = term.levels.length;
  const factor = term.group;
  const coefs = t.coefs.map((c) => `${c.node}[j] (${c.column === INTERCEPT ? 'intercept' : `on ${c.column}`})`);
  const parts: string[] = [];
  parts.push(`Random term (${term.label})${plan.terms.length > 1 ? `, lmer's VarCorr group "${t.vcGroup}"` : ''}: each of the ${m} levels j of ${factor} has its own ${t.coefs.length === 1 ? 'coefficient' : 'coefficients'} ${joinWords(coefs)}`);
  if (t.form !== 'scalar') {
    parts.push(`drawn from ${FORM_WORDS[t.form]}.`);
    if (t.form === 'independent' && !term.fromDoubleBar) {
      parts.push(`Drawing them independently leaves out the correlation lmer estimates, so this matches (${term.label.replace('|', '||')}) rather than (${term.label}).`);
    }
  } else parts[0] += '.';
  const held = t.coefs.filter((c) => c.mu !== null);
  const free = t.coefs.filter((c) => c.mu === null);
  if (held.length > 0) {
    parts.push(`${held.length === 1 ? 'Its mean' : 'Their means'} ${joinWords(held.map((c) => c.mu as string))} ${held.length === 1 ? 'is' : 'are'} lmer's fixed ${held.length === 1 ? 'effect' : 'effects'} ${joinWords(held.map((c) => `"${c.column}"`))}, so ${joinWords(held.map((c) => `${c.node}[j]`))} ${held.length === 1 ? 'is' : 'are'} lmer's fixef + ranef.`);
  }
  if (free.length > 0) {
    parts.push(`${joinWords(free.map((c) => `${c.node}[j]`))} ${free.length === 1 ? 'has' : 'have'} mean 0: lmer's ranef${plan.param === 'offsets' ? ' (offsets parameterization: the fixed effects are the beta nodes)' : ''}.`);
  }
  parts.push(`${joinWords(t.coefs.map((c) => c.sigma))} ${t.coefs.length === 1 ? 'is' : 'are'} lmer's VarCorr SD${t.coefs.length === 1 ? '' : 's'}${t.rho ? `, ${t.rho} its correlation${t.coefs.length > 2 ? 's' : ''}` : ''}.`);
  void spec;
  return wrapComment(parts.join(' '));
}

function linearPredictor(plan: NodePlan): string {
  const parts: string[] = [];
  const used = new Set<string>();
  const coefTerm = (t: TermNodes, c: CoefNode) => `${c.node}[${t.index}[i]]${c.data ? ` * ${c.data}[i]` : ''}`;
  for (const f of plan.fixed) {
    if (f.heldBy) {
      const t = plan.terms[f.heldBy.t];
      const c = t.coefs[f.heldBy.k];
      parts.push(coefTerm(t, c));
      used.add(c.node);
    } else parts.push(f.data ? `${f.node} * ${f.data}[i]` : f.node);
  }
  for (const t of plan.terms) for (const c of t.coefs) if (!used.has(c.node)) parts.push(coefTerm(t, c));
  if (plan.offset) parts.push(`${plan.offset}[i]`);
  // One line while it is short; otherwise one term per line.
  const line = parts.join(' + ');
  return line.length <= 90 ? line : parts.join('\n      + ');
}

function responseStats(spec: ModelSpec): ResponseStats {
  return { name: spec.response.name, mean: spec.scales.response.mean, sd: spec.scales.response.sd };
}

function statsFor(spec: ModelSpec, plan: NodePlan): { fixed: ColumnStats[]; coef: Map<string, ColumnStats> } {
  const fixed = plan.fixed.map((f) => {
    const s = spec.scales.fixed[f.j];
    return s && s.name === f.column
      ? { name: f.column, mean: s.mean, sd: s.sd, intercept: f.column === INTERCEPT || !(s.sd > 0) }
      : columnStats(f.column, spec.fixed.X.subarray(f.j * spec.nobs, (f.j + 1) * spec.nobs));
  });
  const coef = new Map<string, ColumnStats>();
  for (const t of plan.terms) {
    for (const c of t.coefs) {
      const n = spec.nobs;
      coef.set(c.node, columnStats(c.column, t.term.Z.subarray(c.k * n, (c.k + 1) * n)));
    }
  }
  return { fixed, coef };
}

function buildView(spec: ModelSpec, plan: NodePlan, o: ResolvedOptions, priors: Map<string, PriorInfo>): ModelView {
  const y = responseStats(spec);
  const stats = statsFor(spec, plan);
  const line = (p: Prior): PriorLine => ({ text: p.text, comment: p.comment, ...(p.kind === 'uniform' ? { upper: p.upper } : {}) });

  const header: string[] = [];
  header.push('JAGS model written by lmer2jags for the lmer formula');
  header.push(`  ${spec.formula}`);
  header.push(`(${spec.nobs} observations${spec.rows.dropped > 0 ? `; ${spec.rows.dropped} rows with missing values left out` : ''}).`);
  header.push('');
  const paramWords = plan.param === 'group-means'
    ? "group-means (the seed post's): a group's coefficient has lmer's fixed effect as its mean, so mu.* <-> fixef and a[j] <-> fixef + ranef."
    : 'offsets: y.hat = X beta + Z b with every group coefficient a deviation of mean 0, so beta.* <-> fixef and a[j] <-> ranef.';
  header.push(...wrapComment(`Parameterization: ${paramWords}`, 90));
  if (plan.terms.some((t) => t.form !== 'scalar')) header.push(`Correlated terms: --cov ${plan.cov}${plan.cov === 'lkj' ? ` (eta = ${formatConstant(o.eta)})` : ''}.`);
  header.push(...wrapComment(o.priors === 'auto'
    ? `Priors: auto, vague relative to the data's scale (mean(${y.name}) = ${formatConstant(y.mean)}, sd(${y.name}) = ${formatConstant(y.sd)}); each constant says where it came from.`
    : "Priors: seed, the post's literal dnorm(0, 0.0001) for means and dunif(0, 100) for SDs.", 90));
  header.push('');
  header.push('Data (data.R):');
  const dataRows: [string, string][] = [[plan.y, `the response ${spec.response.name}`], [plan.n, 'number of observations']];
  for (const c of plan.columns) dataRows.push([c.node, `model-matrix column "${c.column}"`]);
  for (const f of plan.factors) {
    dataRows.push([f.index, `level (1..${f.levels.length}) of grouping factor ${f.group}, in lme4's level order`]);
    dataRows.push([f.m, `number of levels of ${f.group}`]);
  }
  if (plan.offset) dataRows.push([plan.offset, "the offset (added to the linear predictor as lmer's offset is)"]);
  if (plan.weights) dataRows.push([plan.weights, "prior weights (they multiply the residual precision, as lmer's weights do)"]);
  const width = Math.max(...dataRows.map((r) => r[0].length));
  for (const [node, what] of dataRows) header.push(`  ${node.padEnd(width)}  ${what}`);

  const likelihood = wrapComment(
    `Likelihood: y[i] (${spec.response.name}) is normal around the linear predictor y.hat[i] with residual precision ${plan.tauY}${plan.weights ? ` times the weight ${plan.weights}[i]` : ''}; ${plan.sigmaY} is lmer's sigma.`,
  );

  const residual = residualSdPrior(y, o.priors);
  priors.set(plan.sigmaY, priorInfo(residual));

  const terms: TermView[] = plan.terms.map((t) => {
    const K = t.coefs.length;
    const xs = t.coefs.map((c) => stats.coef.get(c.node) as ColumnStats);
    const rScale = t.form === 'wishart' ? wishartScale(xs, y, o.priors) : null;
    const coefs: CoefView[] = t.coefs.map((c, k) => {
      const x = xs[k];
      // A held coefficient's mean gets the fixed effect's prior, scaled by its own column.
      const muP = c.holds !== null ? coefficientPrior(stats.fixed[c.holds], y, o.priors) : null;
      const sdP = sdPrior(x, y, o.priors);
      const xiP = c.xi ? xiPrior(x, y, o.priors) : null;
      if (c.mu && muP) priors.set(c.mu, priorInfo(muP));
      if (t.form === 'scalar' || t.form === 'independent' || t.form === 'uniform-rho' || t.form === 'lkj') priors.set(c.sigma, priorInfo(sdP));
      if (c.xi && xiP) priors.set(c.xi, priorInfo(xiP));
      return {
        node: c.node,
        column: c.column,
        k: k + 1,
        mu: c.mu,
        muPrior: muP ? line(muP) : null,
        sigma: c.sigma,
        tau: c.tau,
        sdPrior: line(sdP),
        xi: c.xi,
        xiPrior: xiP ? line(xiP) : null,
        rDiag: rScale ? { text: formatConstant(rScale.diag[k]), comment: rScale.comments[k] } : null,
      };
    });
    const mats = t.matrices;
    return {
      comment: termComment(spec, plan, t),
      form: t.form,
      K,
      index: t.index,
      m: t.m,
      coefs,
      rho: t.rho,
      B: mats?.B ?? '',
      mean: mats?.mean ?? '',
      Tau: mats?.Tau ?? '',
      Sigma: mats?.Sigma ?? '',
      R: mats?.R ?? '',
      u: mats?.u ?? '',
      z: mats?.z ?? '',
      L: mats?.L ?? '',
      corr: mats?.corr ?? '',
      lkj: t.form === 'lkj' ? { eta: formatConstant(o.eta), shapes: lkjShapes(K, o.eta).map((s, i) => ({ k: i + 1, shape: formatConstant(s) })) } : null,
    };
  });

  const betas = plan.fixed.filter((f) => f.heldBy === null).map((f) => {
    const p = coefficientPrior(stats.fixed[f.j], y, o.priors);
    priors.set(f.node, priorInfo(p));
    return { node: f.node, column: f.column, prior: line(p) };
  });
  const betaComment = wrapComment(
    plan.param === 'offsets'
      ? "Fixed effects (offsets parameterization): beta.<column> is lmer's fixef for that column."
      : `Fixed effects that no group coefficient holds as its mean: beta.<column> is lmer's fixef for that column.`,
  );

  return {
    header,
    likelihood,
    y: plan.y,
    n: plan.n,
    yhat: plan.yhat,
    predictor: linearPredictor(plan),
    weights: plan.weights,
    tauY: plan.tauY,
    sigmaY: plan.sigmaY,
    residualPrior: line(residual),
    terms,
    betaComment,
    betas,
  };
}

// ---------------------------------------------------------------------------------------------
// Data and inits.

function dataEntries(spec: ModelSpec, plan: NodePlan): RDumpEntry[] {
  const entries: RDumpEntry[] = [
    { name: plan.y, values: spec.response.values },
    { name: plan.n, values: [spec.nobs], integer: true },
  ];
  for (const c of plan.columns) entries.push({ name: c.node, values: c.values });
  for (const f of plan.factors) entries.push({ name: f.index, values: f.values });
  for (const f of plan.factors) entries.push({ name: f.m, values: [f.levels.length], integer: true });
  if (plan.offset && spec.offset) entries.push({ name: plan.offset, values: spec.offset });
  if (plan.weights && spec.weights) entries.push({ name: plan.weights, values: spec.weights });
  return entries;
}

/** `.RNG.seed` of chain k (1-based) for a --seed: the first draw of our generator's k-th stream. */
export function chainSeed(seed: number, chain: number): number {
  return 1 + Rng.stream(seed, chain - 1).uniformInt(2147483646);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function initsEntries(spec: ModelSpec, plan: NodePlan, view: ModelView, start: StartingValues, o: ResolvedOptions, chain: number): RDumpEntry[] {
  const rng = Rng.stream(o.seed, chain - 1);
  const rngSeed = 1 + rng.uniformInt(2147483646);
  const entries: RDumpEntry[] = [
    { name: '.RNG.name', values: ['base::Mersenne-Twister'] },
    { name: '.RNG.seed', values: [rngSeed], integer: true },
  ];
  // Fixed effects: the estimate moved by up to a few standard errors.
  const fixefInit = Float64Array.from(start.fixef, (b, j) => b + 2 * start.se[j] * rng.normal());
  for (const f of plan.fixed) if (f.heldBy === null) entries.push({ name: f.node, values: [fixefInit[f.j]] });

  const boundOf = (p: PriorLine) => p.upper ?? Infinity;
  const sdInit = (est: number, bound: number) => clamp((est > 0.005 * bound ? est : 0.05 * bound) * Math.exp(0.3 * rng.normal()), 1e-3 * bound, 0.9 * bound);
  entries.push({ name: plan.sigmaY, values: [sdInit(start.sigma, boundOf(view.residualPrior))] });

  plan.terms.forEach((t, ti) => {
    const tv = view.terms[ti];
    const st = start.terms[ti];
    const m = t.term.levels.length;
    const K = t.coefs.length;
    const sds = t.coefs.map((_, k) => sdInit(st.sd[k], boundOf(tv.coefs[k].sdPrior)));
    const muInit = t.coefs.map((c) => (c.holds !== null ? fixefInit[c.holds] : 0));
    // Each level's coefficient: its mean plus its per-level estimate, jittered a little.
    const coef = new Float64Array(m * K);
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < m; j++) coef[k * m + j] = muInit[k] + st.dev[k * m + j] + 0.1 * sds[k] * rng.normal();
    }
    const held = t.coefs.filter((c) => c.mu !== null);
    if (t.form === 'scalar' || t.form === 'independent') {
      t.coefs.forEach((c, k) => entries.push({ name: c.node, values: coef.slice(k * m, (k + 1) * m) }));
      held.forEach((c) => entries.push({ name: c.mu as string, values: [muInit[c.k]] }));
      t.coefs.forEach((c, k) => entries.push({ name: c.sigma, values: [sds[k]] }));
      return;
    }
    const mats = t.matrices;
    if (mats === null) return;
    if (t.form === 'scaled-wishart') {
      // xi_k starts at the SD, so Sigma.raw starts at the identity: Tau.raw = I and
      // B.raw = (coefficient - mean) / xi.
      const raw = Float64Array.from(coef, (v, i) => (v - muInit[Math.floor(i / m)]) / sds[Math.floor(i / m)]);
      entries.push({ name: mats.B, values: raw, dim: [m, K] });
      held.forEach((c) => entries.push({ name: c.mu as string, values: [muInit[c.k]] }));
      t.coefs.forEach((c, k) => entries.push({ name: c.xi as string, values: [sds[k]] }));
      entries.push({ name: mats.Tau, values: identity(K), dim: [K, K] });
      return;
    }
    entries.push({ name: mats.B, values: coef, dim: [m, K] });
    held.forEach((c) => entries.push({ name: c.mu as string, values: [muInit[c.k]] }));
    if (t.form === 'wishart') {
      // A diagonal precision from the starting SDs: positive definite.
      const tau = identity(K);
      for (let k = 0; k < K; k++) tau[k * K + k] = 1 / (sds[k] * sds[k]);
      entries.push({ name: mats.Tau, values: tau, dim: [K, K] });
      return;
    }
    t.coefs.forEach((c, k) => entries.push({ name: c.sigma, values: [sds[k]] }));
    if (t.form === 'uniform-rho') {
      entries.push({ name: t.rho as string, values: [clamp(0.2 * rng.normal(), -0.5, 0.5)] });
      return;
    }
    // lkj: Beta draws near 1/2 (partial correlations near 0); NA where u is not a node.
    // u[k, l] exists for k < l only, so JAGS sizes it (K - 1) x K.
    const u = new Float64Array((K - 1) * K).fill(NaN);
    for (let k = 0; k < K - 1; k++) for (let l = k + 1; l < K; l++) u[l * (K - 1) + k] = clamp(0.5 + 0.05 * rng.normal(), 0.3, 0.7);
    entries.push({ name: mats.u, values: u, dim: [K - 1, K] });
  });
  void spec;
  return entries;
}

function identity(K: number): Float64Array {
  const I = new Float64Array(K * K);
  for (let k = 0; k < K; k++) I[k * K + k] = 1;
  return I;
}

// ---------------------------------------------------------------------------------------------
// The conversion.

/** Every file of the JAGS conversion of `spec`, as text, plus names.json's content. */
export function convertModel(spec: ModelSpec, options: ConvertOptions = {}): Conversion {
  const o = resolveOptions(spec, options);
  const plan = planNodes(spec, { param: o.param, cov: o.cov });
  const names = namesJson(plan);
  const monitors = monitoredNodes(names);
  const priors = new Map<string, PriorInfo>();
  const view = buildView(spec, plan, o, priors);
  const start = options.start ?? startingValues(spec);

  const files = new Map<string, string>();
  files.set('model.jags', renderTemplate('model.jags.ejs', { ...view }));
  files.set('data.R', renderTemplate('data.R.ejs', { formula: spec.formula, dump: writeRDump(dataEntries(spec, plan)) }));
  for (let c = 1; c <= o.chains; c++) {
    files.set(`inits${c}.R`, renderTemplate('inits.R.ejs', {
      chain: c,
      chains: o.chains,
      seed: o.seed,
      source: start.source,
      dump: writeRDump(initsEntries(spec, plan, view, start, o, c)),
    }));
  }
  files.set('run.cmd', renderTemplate('run.cmd.ejs', {
    formula: spec.formula,
    glm: o.param === 'offsets' ? 'offsets' : plan.terms.some((t) => t.form === 'scaled-wishart') ? 'scaled-wishart' : null,
    chains: o.chains,
    burnin: o.burnin,
    iter: o.iter,
    thin: o.thin,
    monitors,
  }));
  files.set('names.json', formatNamesJson(names));
  return { files, names, monitors, priors, plan, options: o };
}
