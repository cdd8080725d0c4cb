/**
 * lmer and its Bayesian twin side by side (DESIGN §8): every lme4 quantity against the
 * posterior of the node names.json maps it to, each row judged by a stated rule whose
 * tolerance allows for Monte Carlo error and for the gap expected between REML/ML estimates
 * and posterior summaries with this many groups. Convergence is judged first: unconverged
 * chains give the verdict "unconverged", not a blame on the conversion.
 *
 * The rules (each row names its rule by `ruleId` and states it in words in `rule`):
 *
 * - fixef-z: |posterior mean − fixef| / posterior SD ≤ 0.5 + 2/√G (+ 4 MCSE/SD), G the fewest
 *   levels among the random terms that carry this column.
 * - se-ratio: posterior SD / se(fixef) between e^−a and u·e^a, a = 0.1 + 1.5/√G (+ MC error).
 *   u is the inflation expected when the fixed effect's uncertainty comes from a variance
 *   component estimated from G groups: with a flat prior on an SD, the posterior of the
 *   variance is inverse-gamma with mean S/(G − 4) while REML estimates S/(G − 1) (ML: S/G), so
 *   the posterior SD of the mean is up to u = √((G − 1)/(G − 4)) (ML √(G/(G − 4))) times lmer's
 *   se. se-few-groups: with G ≤ 4 that mean is infinite (the prior's bound governs the posterior
 *   SD), so only a posterior SD below se·e^−a counts as a discrepancy.
 * - ranef-z: every group: |posterior mean − (fixef +) ranef| / posterior SD ≤ 0.75 + 2/√G
 *   (+ 4 MCSE/SD); summarised by max |z|, the correlation and the worst groups by name.
 * - ranef-sd-band: lme4's conditional SDs condition on β̂. Given the variance components, the
 *   posterior variance of a group coefficient is condVar + c²·se², 0 ≤ c ≤ 1 (c = 1 − shrinkage
 *   for a node holding the fixed effect, c = shrinkage for a deviation whose column is also a
 *   fixed effect), so the median posterior SD must lie between the median of lme4's conditional
 *   SDs and that of √(condsd² + se²), widened by e^±(0.15 + 1.5/√G). ranef-sd-singular: a term
 *   whose lmer SD is 0 has conditional SDs 0; only the lower bound is checked.
 * - sd-ratio: posterior median / lmer SD within ×÷e^(0.1 + 2.5/√G) (+ MC error): SD posteriors
 *   are skewed with few groups, so the median is compared and the mean shown.
 *   sd-near-boundary: when lmer's SD is less than 2 posterior SDs above 0, the posterior (which
 *   cannot pile up at 0 as an estimate can) is pushed away from the boundary, so the difference
 *   is judged on the posterior's own scale: |median − lmer| ≤ 2 posterior SDs (+ 4 MCSE).
 *   sd-singular: lmer's SD is 0 (a singular fit): reported, not judged.
 * - corr: |posterior median − lmer correlation| ≤ max(0.1 + 2.5(1 − ρ²)/√G, 2 posterior SDs)
 *   (+ 4 MCSE): the asymptotic spread of a correlation estimated from G groups, or, when the
 *   posterior is wide (few groups, or an SD near 0 that leaves the correlation to its prior), the
 *   posterior's own spread. corr-absent: the model has no correlation (independent priors), so
 *   lmer's must be near 0: |ρ| ≤ 0.1 + 3(1 − ρ²)/√G. corr-singular: lmer's correlation is ±1 in a
 *   singular fit: reported, not judged.
 * - sigma-ratio: posterior median / σ within ×÷e^(0.02 + 2/√n) (+ MC error).
 * - not-identified / combined-*: when the columns of the random terms on one grouping factor are
 *   linearly dependent (e.g. (f || g) with a factor f: the intercept is the sum of f's
 *   indicators), only combinations of their coefficients are identified. lmer splits them at a
 *   boundary (a singular fit), the posterior by its prior; the individual rows are reported, not
 *   judged, and the identified combinations are judged instead (ranef-z and sd rules on them).
 */
import { Lmer2JagsError } from '../errors.js';
import { mean, median, summarize, type NodeSummary } from '../mcmc/diagnostics.js';

/** What verify needs of an lmer fit: the `fit --json` contract (DESIGN §9). */
export interface LmerResult {
  readonly nobs: number;
  /** REML (default when absent) or ML: the expected SD inflation depends on it. */
  readonly method?: 'REML' | 'ML';
  readonly fixef: Readonly<Record<string, number>>;
  readonly se: Readonly<Record<string, number>>;
  readonly sigma: number;
  readonly varcorr: readonly {
    readonly group: string;
    readonly terms: readonly string[];
    readonly sd: readonly number[];
    readonly corr: readonly (readonly (number | null)[])[] | null;
  }[];
  readonly ranef: Readonly<
    Record<
      string,
      {
        readonly levels: readonly string[];
        readonly terms: readonly string[];
        readonly values: readonly (readonly number[])[];
        readonly condsd: readonly (readonly number[])[];
      }
    >
  >;
  readonly singular: boolean;
}

/** names.json: which node is which lme4 quantity (issue 4's contract). */
export interface NodeNames {
  readonly parameterization: 'group-means' | 'offsets';
  readonly fixef: Readonly<Record<string, string>>;
  readonly sigma: string;
  readonly varcorr: readonly {
    readonly group: string;
    readonly terms: readonly string[];
    readonly sd: readonly string[];
    readonly corr: readonly (readonly (string | null)[])[];
  }[];
  readonly ranef: Readonly<
    Record<
      string,
      {
        readonly levels: readonly string[];
        readonly terms: readonly string[];
        readonly nodes: readonly string[];
        readonly includesFixef: readonly boolean[];
      }
    >
  >;
}

/** The prior of a node, when known, so a discrepancy can name a prior that caused it. */
export type PriorInfo =
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number; readonly text: string }
  | { readonly kind: 'uniform'; readonly lower: number; readonly upper: number; readonly text: string };

export type Quantity = 'fixef' | 'se' | 'ranef' | 'ranef-sd' | 'sd' | 'corr' | 'sigma';

export type RuleId =
  | 'fixef-z'
  | 'se-ratio'
  | 'se-few-groups'
  | 'ranef-z'
  | 'ranef-sd-band'
  | 'ranef-sd-singular'
  | 'sd-ratio'
  | 'sd-near-boundary'
  | 'sd-singular'
  | 'corr'
  | 'corr-absent'
  | 'corr-singular'
  | 'sigma-ratio'
  | 'not-identified';

export interface VerifyRow {
  readonly quantity: Quantity;
  /** What is compared, in lme4's words: "(Intercept)", "grp: x", "grp: (Intercept) ~ x". */
  readonly name: string;
  /** The node(s) compared. */
  readonly node: string;
  readonly lmer: number;
  /** The posterior summary compared (mean, SD or median, as `statistic` says). */
  readonly bayes: number;
  /** How the two are compared: "z", "ratio", "difference", "max |z|" … and its value. */
  readonly statistic: { readonly kind: string; readonly value: number };
  /** The bound |statistic| (or a ratio's ×÷ factor) must stay within; the upper bound of `bounds`. */
  readonly tolerance: number;
  /** The interval the statistic must lie in, when the rule gives one. */
  readonly bounds?: readonly [number, number];
  readonly ok: boolean;
  /** Which rule judged this row (see the file comment). */
  readonly ruleId?: RuleId;
  /** The rule that judged this row, in words. */
  readonly rule: string;
  /** Why it differs, when it does and we can tell. */
  readonly reason?: string;
  /** Extra detail: worst groups, posterior mean alongside the median, notes. */
  readonly detail?: string;
  /** False for rows reported but not judged (non-identified quantities). */
  readonly judged?: boolean;
}

export interface ConvergenceCheck {
  readonly ok: boolean;
  readonly maxRhat: number;
  readonly minEssBulk: number;
  readonly minEssTail: number;
  /** Nodes past the thresholds, worst first. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

export type Verdict = 'agree' | 'differ' | 'unconverged';

export interface VerifyReport {
  readonly verdict: Verdict;
  readonly rows: readonly VerifyRow[];
  readonly convergence: ConvergenceCheck;
  /** One sentence per discrepancy (or the convergence problem), for people; causes first. */
  readonly reasons: readonly string[];
}

/**
 * Random terms on one grouping factor whose columns are linearly dependent: only the
 * combinations `combos` of their stacked coefficients (names.ranef[factor].nodes order) are
 * identified.
 */
export interface RedundantTerms {
  /** The grouping factor (names.ranef's key). */
  readonly factor: string;
  /** VarCorr groups of the terms on it, in order ("subj", "subj.1"). */
  readonly groups: readonly string[];
  /** Identified combinations: a label and one weight per stacked column. */
  readonly combos: readonly { readonly label: string; readonly weights: readonly number[] }[];
  /** Why, in words (which columns depend on which). */
  readonly why: string;
}

export interface CompareOptions {
  /** Multiplies every tolerance (default 1): larger is more lenient. */
  readonly tolerance?: number;
  /** R-hat above this, or bulk ESS below `minEss`, means unconverged (defaults 1.05, 100). */
  readonly maxRhat?: number;
  readonly minEss?: number;
  readonly priors?: ReadonlyMap<string, PriorInfo>;
  /** Grouping factors whose terms are redundant (see RedundantTerms). */
  readonly redundant?: readonly RedundantTerms[];
  /** The draws of a node, one array per chain: needed for the combined rows of redundant terms. */
  readonly draws?: (node: string) => readonly Float64Array[] | undefined;
}

type Posterior = (node: string) => NodeSummary | undefined;

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x));

function nodeAt(pattern: string, j: number): string {
  return pattern.replace('{j}', String(j + 1));
}

/**
 * The number of groups behind a fixed effect: the fewest levels among the random terms with
 * a column of that name (their variances make its uncertainty); with none, the fewest levels
 * of any term.
 */
function groupsFor(fit: LmerResult, fixefName: string): number {
  const carrying = fit.varcorr.filter((v) => v.terms.includes(fixefName)).map((v) => vcGroupLevels(fit, v.group));
  if (carrying.length > 0) return Math.min(...carrying);
  const all = Object.values(fit.ranef).map((r) => r.levels.length);
  return all.length > 0 ? Math.min(...all) : fit.nobs;
}

function vcGroupLevels(fit: LmerResult, group: string): number {
  // VarCorr names a second term on a factor "g.1"; ranef is keyed by the factor "g".
  const r = fit.ranef[group] ?? fit.ranef[group.replace(/\.\d+$/, '')];
  return r ? r.levels.length : 2;
}

/** The VarCorr groups of a factor's terms, in the order of its stacked columns. */
function factorGroups(names: NodeNames, factor: string): { group: string; from: number; to: number }[] | null {
  const r = names.ranef[factor];
  if (!r) return null;
  const out: { group: string; from: number; to: number }[] = [];
  let at = 0;
  for (const vc of names.varcorr) {
    const isFactor = vc.group === factor || (vc.group.startsWith(`${factor}.`) && /^\d+$/.test(vc.group.slice(factor.length + 1)));
    if (!isFactor || at >= r.terms.length) continue;
    if (!vc.terms.every((t, i) => r.terms[at + i] === t)) continue;
    out.push({ group: vc.group, from: at, to: at + vc.terms.length });
    at += vc.terms.length;
  }
  return at === r.terms.length ? out : null;
}

/**
 * The expected upper inflation of posterior SD / se for a mean whose uncertainty comes from a
 * variance estimated from G groups (see the file comment): √((G−1)/(G−4)) for REML, √(G/(G−4))
 * for ML; Infinity for G ≤ 4.
 */
export function expectedSeInflation(G: number, method: 'REML' | 'ML' = 'REML'): number {
  if (G <= 4) return Infinity;
  return Math.sqrt((method === 'ML' ? G : G - 1) / (G - 4));
}

function priorReason(node: string, lmer: number, post: NodeSummary, priors: ReadonlyMap<string, PriorInfo> | undefined): string | undefined {
  const p = priors?.get(node);
  if (!p) return undefined;
  if (p.kind === 'uniform') {
    if (lmer > p.upper) return `the prior ${p.text} on ${node} cannot reach lmer's estimate ${fmt(lmer)}: its upper bound ${fmt(p.upper)} is too low for these data`;
    if (post.q97_5 >= p.upper - 0.05 * (p.upper - p.lower)) {
      return `the prior ${p.text} on ${node} truncates it: the posterior piles up against ${fmt(p.upper)}`;
    }
    return undefined;
  }
  const pull = Math.abs(lmer - p.mean);
  if (pull > 2 * p.sd || (Math.abs(post.mean - p.mean) < Math.abs(lmer - p.mean) && pull > 0.5 * p.sd)) {
    return `the prior ${p.text} on ${node} (SD ${fmt(p.sd)}) is tight for lmer's estimate ${fmt(lmer)} and pulls the posterior toward ${fmt(p.mean)}: use priors scaled to the data (--priors auto)`;
  }
  return undefined;
}

/** Convergence of the given nodes' summaries: R-hat and bulk ESS against the thresholds. */
export function checkConvergence(nodes: readonly string[], posterior: Posterior, options: CompareOptions = {}): ConvergenceCheck {
  return convergenceOf(nodes.map((n) => [n, posterior(n)] as const), options);
}

function convergenceOf(entries: readonly (readonly [string, NodeSummary | undefined])[], options: CompareOptions): ConvergenceCheck {
  const maxRhatAllowed = options.maxRhat ?? 1.05;
  const minEss = options.minEss ?? 100;
  let maxRhat = 1;
  let minBulk = Infinity;
  let minTail = Infinity;
  const bad: { node: string; score: number; text: string }[] = [];
  const warnings: string[] = [];
  for (const [node, s] of entries) {
    if (!s || !(s.sd > 0)) continue;
    if (Number.isFinite(s.rhat)) maxRhat = Math.max(maxRhat, s.rhat);
    if (Number.isFinite(s.essBulk)) minBulk = Math.min(minBulk, s.essBulk);
    if (Number.isFinite(s.essTail)) minTail = Math.min(minTail, s.essTail);
    if (s.rhat > maxRhatAllowed || s.essBulk < minEss) {
      bad.push({
        node,
        score: Math.max(s.rhat - 1, minEss / Math.max(1, s.essBulk)),
        text: `${node} (R-hat ${s.rhat.toFixed(3)}, bulk ESS ${Math.round(s.essBulk)})`,
      });
    } else if (s.rhat > 1.01 || s.essBulk < 400 || s.essTail < 400) {
      warnings.push(`${node}: R-hat ${s.rhat.toFixed(3)}, bulk ESS ${Math.round(s.essBulk)}, tail ESS ${Math.round(s.essTail)}`);
    }
  }
  bad.sort((a, b) => b.score - a.score);
  return {
    ok: bad.length === 0,
    maxRhat,
    minEssBulk: minBulk,
    minEssTail: minTail,
    problems: bad.map((b) => b.text),
    warnings,
  };
}

/** Every node the comparison reads, for the convergence check and for monitors. */
export function comparedNodes(names: NodeNames): string[] {
  const out = [...Object.values(names.fixef), names.sigma];
  for (const vc of names.varcorr) {
    out.push(...vc.sd);
    for (const row of vc.corr) for (const c of row) if (c) out.push(c);
  }
  for (const r of Object.values(names.ranef)) {
    r.levels.forEach((_, j) => r.nodes.forEach((n) => out.push(nodeAt(n, j))));
  }
  return [...new Set(out)];
}

/** The nodes of the non-identified quantities of redundant terms. */
function unidentifiedNodes(names: NodeNames, redundant: readonly RedundantTerms[]): Set<string> {
  const out = new Set<string>();
  for (const set of redundant) {
    const r = names.ranef[set.factor];
    if (r) r.levels.forEach((_, j) => r.nodes.forEach((n) => out.add(nodeAt(n, j))));
    for (const vc of names.varcorr) {
      if (!set.groups.includes(vc.group)) continue;
      vc.sd.forEach((n) => out.add(n));
      for (const row of vc.corr) for (const c of row) if (c) out.add(c);
    }
  }
  return out;
}

interface SdJudgement {
  readonly statistic: { readonly kind: string; readonly value: number };
  readonly tolerance: number;
  readonly bounds: readonly [number, number];
  readonly ok: boolean;
  readonly ruleId: RuleId;
  readonly rule: string;
}

/** The SD rules (sd-singular, sd-near-boundary, sd-ratio) for an estimate and its posterior. */
function judgeSd(est: number, s: NodeSummary, G: number, sigma: number, t: number): SdJudgement {
  if (est < 1e-4 * Math.max(sigma, 1e-300)) {
    return {
      statistic: { kind: 'median', value: s.q50 },
      tolerance: Infinity,
      bounds: [0, Infinity],
      ok: true,
      ruleId: 'sd-singular',
      rule: 'singular lmer fit: its estimate is on the boundary (0), which a posterior cannot put mass at; a posterior away from 0 is expected (reported, not judged)',
    };
  }
  if (est < 2 * s.sd) {
    const tol = t * 2 + (4 * s.mcse) / Math.max(s.sd, 1e-300);
    const z = (s.q50 - est) / s.sd;
    return {
      statistic: { kind: 'z (median)', value: z },
      tolerance: tol,
      bounds: [-tol, tol],
      ok: Math.abs(z) <= tol,
      ruleId: 'sd-near-boundary',
      rule: `near the boundary: lmer's SD is within 2 posterior SDs (${fmt(s.sd)}) of 0, where the posterior is pushed away from 0, so |posterior median − lmer SD| / posterior SD ≤ ${fmt(tol)} (2, + 4 MCSE)`,
    };
  }
  const ratio = s.q50 / est;
  const logTol = t * (0.1 + 2.5 / Math.sqrt(G)) + (4 * s.mcse) / Math.max(s.q50, 1e-300);
  return {
    statistic: { kind: 'ratio', value: ratio },
    tolerance: Math.exp(logTol),
    bounds: [Math.exp(-logTol), Math.exp(logTol)],
    ok: Math.abs(Math.log(ratio)) <= logTol,
    ruleId: 'sd-ratio',
    rule: `posterior median / lmer SD within ×÷${fmt(Math.exp(logTol))} (0.1 + 2.5/√${G} groups on the log scale: SD posteriors are skewed with few groups)`,
  };
}

/** Sums of weighted draws of several nodes, chain by chain. */
function combineDraws(parts: readonly { readonly draws: readonly Float64Array[]; readonly w: number }[]): Float64Array[] {
  const first = parts[0].draws;
  return first.map((c, k) => {
    const out = new Float64Array(c.length);
    for (const p of parts) {
      const d = p.draws[k];
      if (p.w === 0) continue;
      for (let i = 0; i < out.length; i++) out[i] += p.w * d[i];
    }
    return out;
  });
}

export function compareFitToPosterior(fit: LmerResult, names: NodeNames, posterior: Posterior, options: CompareOptions = {}): VerifyReport {
  const t = options.tolerance ?? 1;
  const method = fit.method ?? 'REML';
  const redundant = options.redundant ?? [];
  const rows: VerifyRow[] = [];
  const need = (node: string): NodeSummary => {
    const s = posterior(node);
    if (!s) {
      throw new Lmer2JagsError(`no draws for node ${node}, which names.json maps to an lme4 quantity`, {
        hint: 'monitor it in run.cmd (convert writes a run.cmd that monitors every node in names.json), then sample again',
      });
    }
    return s;
  };
  const mcz = (s: NodeSummary) => (s.sd > 0 ? (4 * s.mcse) / s.sd : 0);
  const redundantGroup = (group: string) => redundant.find((r) => r.groups.includes(group));
  const notIdentified = (set: RedundantTerms) =>
    `not identified: ${set.why}, so lmer (at a boundary) and the posterior (by its prior) split them differently; reported, not judged: the identified combinations are compared instead`;
  /** Extra convergence entries: the combined quantities of redundant terms. */
  const extraConvergence: [string, NodeSummary][] = [];

  // Fixed effects: posterior mean vs fixef (z), posterior SD vs se (ratio).
  for (const [name, node] of Object.entries(names.fixef)) {
    const est = fit.fixef[name];
    const se = fit.se[name];
    if (est === undefined) continue;
    const s = need(node);
    const G = groupsFor(fit, name);
    const z = (s.mean - est) / s.sd;
    const zTol = t * (0.5 + 2 / Math.sqrt(G)) + mcz(s);
    const zOk = Math.abs(z) <= zTol;
    rows.push({
      quantity: 'fixef',
      name,
      node,
      lmer: est,
      bayes: s.mean,
      statistic: { kind: 'z', value: z },
      tolerance: zTol,
      bounds: [-zTol, zTol],
      ok: zOk,
      ruleId: 'fixef-z',
      rule: `|posterior mean − fixef| / posterior SD ≤ ${fmt(zTol)} (0.5 + 2/√${G} groups, + 4 MCSE)`,
      ...(zOk ? {} : withReason(priorReason(node, est, s, options.priors))),
    });
    if (se !== undefined && se > 0) {
      const ratio = s.sd / se;
      const essAllow = 2 / Math.sqrt(2 * Math.max(1, s.essBulk));
      const logTol = t * (0.1 + 1.5 / Math.sqrt(G)) + essAllow;
      const u = expectedSeInflation(G, method);
      const lo = Math.exp(-logTol);
      const hi = u * Math.exp(logTol);
      const ok = ratio >= lo && ratio <= hi;
      const fewGroups = !Number.isFinite(u);
      rows.push({
        quantity: 'se',
        name,
        node,
        lmer: se,
        bayes: s.sd,
        statistic: { kind: 'ratio', value: ratio },
        tolerance: hi,
        bounds: [lo, hi],
        ok,
        ruleId: fewGroups ? 'se-few-groups' : 'se-ratio',
        rule: fewGroups
          ? `posterior SD / se ≥ ${fmt(lo)}: with ${G} groups the posterior variance of a flat-prior SD has no finite mean, so the prior's bound sets how far the posterior SD exceeds se (0.1 + 1.5/√${G} on the log scale, + MC error, below)`
          : `posterior SD / se from ${fmt(lo)} to ${fmt(hi)}: up to ×${fmt(u)} expected from a variance estimated from ${G} groups (√(${method === 'ML' ? G : G - 1}/${G - 4})), ×÷${fmt(Math.exp(logTol))} around that (0.1 + 1.5/√${G} on the log scale, + MC error)`,
        ...(ok ? {} : withReason(priorReason(node, est, s, options.priors))),
      });
    }
  }

  // Group coefficients: fixef + ranef (or ranef) vs posterior means; se.ranef vs posterior SDs.
  for (const [group, r] of Object.entries(names.ranef)) {
    const fr = fit.ranef[group];
    if (!fr) continue;
    const set = redundant.find((x) => x.factor === group);
    const groupsOf = factorGroups(names, group);
    r.terms.forEach((term, k) => {
      const col = fr.terms.length === r.terms.length && fr.terms[k] === term ? k : fr.terms.indexOf(term);
      if (col < 0) return;
      const G = fr.levels.length;
      const addFixef = r.includesFixef[k] ? (fit.fixef[term] ?? 0) : 0;
      // The fixed effect whose uncertainty this node shares: the one it holds, or a fixed
      // effect of the same column that another node (or beta) holds.
      const seFixef = fit.se[term] ?? 0;
      const vcOf = groupsOf?.find((g) => k >= g.from && k < g.to);
      const vcEntry = vcOf ? fit.varcorr.find((v) => v.group === vcOf.group) : undefined;
      const termSd = vcEntry ? vcEntry.sd[vcEntry.terms.indexOf(term)] : undefined;
      const singularTerm = termSd !== undefined && termSd < 1e-4 * Math.max(fit.sigma, 1e-300);
      const zs: { level: string; z: number }[] = [];
      const lm: number[] = [];
      const bm: number[] = [];
      const postSds: number[] = [];
      const loRefs: number[] = [];
      const hiRefs: number[] = [];
      let maxMcz = 0;
      fr.levels.forEach((level, j) => {
        const s = posterior(nodeAt(r.nodes[k], j));
        if (!s) return;
        const value = fr.values[j][col] + addFixef;
        const z = (s.mean - value) / s.sd;
        zs.push({ level, z });
        lm.push(value);
        bm.push(s.mean);
        maxMcz = Math.max(maxMcz, mcz(s));
        const condsd = fr.condsd[j][col];
        postSds.push(s.sd);
        loRefs.push(condsd);
        hiRefs.push(Math.sqrt(condsd * condsd + seFixef * seFixef));
      });
      if (zs.length === 0) return;
      const worst = [...zs].sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
      const maxZ = Math.abs(worst[0].z);
      const zTol = t * (0.75 + 2 / Math.sqrt(G)) + maxMcz;
      const corr = correlation(lm, bm);
      const label = `${group}: ${term}${r.includesFixef[k] ? ' (fixef + ranef)' : ''}`;
      const ok = maxZ <= zTol;
      const detail = `${G} groups; correlation of lmer and posterior means ${corr.toFixed(4)}; worst: ${worst
        .slice(0, 3)
        .map((w) => `${w.level} (z = ${w.z.toFixed(2)})`)
        .join(', ')}`;
      rows.push({
        quantity: 'ranef',
        name: label,
        node: r.nodes[k],
        lmer: mean(lm),
        bayes: mean(bm),
        statistic: { kind: 'max |z|', value: maxZ },
        tolerance: zTol,
        bounds: [0, zTol],
        ...(set
          ? { ok: true, judged: false, ruleId: 'not-identified' as const, rule: notIdentified(set) }
          : {
              ok,
              ruleId: 'ranef-z' as const,
              rule: `every group: |posterior mean − lmer| / posterior SD ≤ ${fmt(zTol)} (0.75 + 2/√${G} groups, + 4 MCSE)`,
              ...(ok ? {} : { reason: `group effects for ${label} differ from lmer's (worst group ${worst[0].level}, z = ${worst[0].z.toFixed(2)})` }),
            }),
        detail,
      });
      const medPost = medianOf(postSds);
      const medLo = medianOf(loRefs);
      const medHi = medianOf(hiRefs);
      const logTol = t * (0.15 + 1.5 / Math.sqrt(G));
      const lo = medLo * Math.exp(-logTol);
      const hi = singularTerm ? Infinity : medHi * Math.exp(logTol);
      const sdOk = medPost >= lo && medPost <= hi;
      const band =
        seFixef > 0
          ? `between the median of lme4's conditional SDs (${fmt(medLo)}, given β̂) and that of √(condsd² + se²) (${fmt(medHi)}, se of ${term} added: the posterior also carries β's uncertainty)`
          : `near the median of lme4's conditional SDs (${fmt(medLo)})`;
      rows.push({
        quantity: 'ranef-sd',
        name: label,
        node: r.nodes[k],
        lmer: medLo,
        bayes: medPost,
        statistic: { kind: 'median SD', value: medPost },
        tolerance: hi,
        bounds: [lo, hi],
        ...(set
          ? { ok: true, judged: false, ruleId: 'not-identified' as const, rule: notIdentified(set) }
          : singularTerm
            ? {
                ok: sdOk,
                ruleId: 'ranef-sd-singular' as const,
                rule: `singular term: lmer's SD is 0, so its conditional SDs are ${fmt(medLo)}; the posterior's cannot be, so only the lower bound applies: median posterior SD ≥ ${fmt(lo)}`,
              }
            : {
                ok: sdOk,
                ruleId: 'ranef-sd-band' as const,
                rule: `median posterior SD over groups ${band}, widened by ×÷${fmt(Math.exp(logTol))} (0.15 + 1.5/√${G} groups on the log scale): from ${fmt(lo)} to ${fmt(hi)}`,
                ...(sdOk ? {} : { reason: `posterior SDs of the ${label} group effects (median ${fmt(medPost)}) are outside lmer's band ${fmt(lo)} – ${fmt(hi)}` }),
              }),
        detail: "lme4's conditional SDs condition on β̂ and the estimated variance components; the posterior integrates over both",
      });
    });
  }

  // Variance components: SDs and correlations vs posterior medians (and means).
  for (const vc of names.varcorr) {
    const fvc = fit.varcorr.find((v) => v.group === vc.group && sameTerms(v.terms, vc.terms));
    if (!fvc) continue;
    const G = vcGroupLevels(fit, vc.group);
    const set = redundantGroup(vc.group);
    vc.terms.forEach((term, k) => {
      const node = vc.sd[k];
      const est = fvc.sd[fvc.terms.indexOf(term)];
      if (node === undefined || est === undefined) return;
      const s = need(node);
      const j = judgeSd(est, s, G, fit.sigma, t);
      rows.push({
        quantity: 'sd',
        name: `${vc.group}: ${term}`,
        node,
        lmer: est,
        bayes: s.q50,
        statistic: j.statistic,
        tolerance: j.tolerance,
        bounds: j.bounds,
        ...(set
          ? { ok: true, judged: false, ruleId: 'not-identified' as const, rule: notIdentified(set) }
          : {
              ok: j.ok,
              ruleId: j.ruleId,
              rule: j.rule,
              ...(j.ok ? {} : withReason(priorReason(node, est, s, options.priors) ?? `the ${vc.group} ${term} SD differs from lmer's: ${fmt(est)}, posterior median ${fmt(s.q50)}`)),
            }),
        detail: `posterior mean ${fmt(s.mean)}, 95% interval ${fmt(s.q2_5)} – ${fmt(s.q97_5)}`,
      });
    });
    // Correlations.
    for (let k = 0; k < vc.terms.length; k++) {
      for (let l = k + 1; l < vc.terms.length; l++) {
        const fk = fvc.terms.indexOf(vc.terms[k]);
        const fl = fvc.terms.indexOf(vc.terms[l]);
        const rho = fvc.corr?.[fk]?.[fl];
        if (rho === undefined || rho === null || !Number.isFinite(rho)) continue;
        const node = vc.corr[k]?.[l] ?? null;
        const label = `${vc.group}: ${vc.terms[k]} ~ ${vc.terms[l]}`;
        const spread = (1 - rho * rho) / Math.sqrt(G);
        if (node === null) {
          const tol = t * (0.1 + 3 * spread);
          const ok = Math.abs(rho) <= tol;
          rows.push({
            quantity: 'corr',
            name: label,
            node: '(none)',
            lmer: rho,
            bayes: 0,
            statistic: { kind: 'difference', value: rho },
            tolerance: tol,
            bounds: [-tol, tol],
            ok,
            ruleId: 'corr-absent',
            rule: `the model has no correlation here (independent priors), so lmer's correlation must be near 0: |ρ| ≤ ${fmt(tol)} (0.1 + 3(1−ρ²)/√${G})`,
            ...(ok
              ? {}
              : {
                  reason: `the model draws the ${vc.terms[k]} and ${vc.terms[l]} effects of ${vc.group} independently, but lmer estimates their correlation at ${rho.toFixed(2)}: use a correlated prior (--cov scaled-wishart)`,
                }),
          });
          continue;
        }
        const s = need(node);
        if (set) {
          rows.push({
            quantity: 'corr',
            name: label,
            node,
            lmer: rho,
            bayes: s.q50,
            statistic: { kind: 'difference', value: s.q50 - rho },
            tolerance: Infinity,
            ok: true,
            judged: false,
            ruleId: 'not-identified',
            rule: notIdentified(set),
            detail: `posterior mean ${fmt(s.mean)}`,
          });
          continue;
        }
        if (fit.singular && Math.abs(rho) > 0.99) {
          rows.push({
            quantity: 'corr',
            name: label,
            node,
            lmer: rho,
            bayes: s.q50,
            statistic: { kind: 'difference', value: s.q50 - rho },
            tolerance: Infinity,
            ok: true,
            ruleId: 'corr-singular',
            rule: 'singular lmer fit: a correlation of ±1 is on the boundary; the posterior stays inside (−1, 1) (reported, not judged)',
            detail: `posterior mean ${fmt(s.mean)}, 95% interval ${fmt(s.q2_5)} – ${fmt(s.q97_5)}`,
          });
          continue;
        }
        const asymptotic = 0.1 + 2.5 * spread;
        const wide = 2 * s.sd;
        const tol = t * Math.max(asymptotic, wide) + 4 * s.mcse;
        const diff = s.q50 - rho;
        const ok = Math.abs(diff) <= tol;
        rows.push({
          quantity: 'corr',
          name: label,
          node,
          lmer: rho,
          bayes: s.q50,
          statistic: { kind: 'difference', value: diff },
          tolerance: tol,
          bounds: [-tol, tol],
          ok,
          ruleId: 'corr',
          rule:
            wide > asymptotic
              ? `|posterior median − lmer correlation| ≤ ${fmt(tol)}: 2 posterior SDs (the posterior is wide: ${G} groups, or an SD near 0 leaves the correlation to its prior), + 4 MCSE`
              : `|posterior median − lmer correlation| ≤ ${fmt(tol)} (0.1 + 2.5(1−ρ²)/√${G} groups, + 4 MCSE)`,
          detail: `posterior mean ${fmt(s.mean)}, 95% interval ${fmt(s.q2_5)} – ${fmt(s.q97_5)}`,
          ...(ok ? {} : { reason: `the correlation ${label} differs: lmer ${rho.toFixed(2)}, posterior median ${s.q50.toFixed(2)}` }),
        });
      }
    }
  }

  // Redundant terms: the identified combinations of their coefficients.
  for (const set of redundant) {
    const r = names.ranef[set.factor];
    const fr = fit.ranef[set.factor];
    const groupsOf = factorGroups(names, set.factor);
    if (!r || !fr || !groupsOf || fr.terms.length !== r.terms.length) continue;
    if (!options.draws) {
      throw new Lmer2JagsError(`comparing the redundant terms on ${set.factor} needs the draws, not only their summaries`, {
        hint: 'pass CompareOptions.draws (verifyModel does)',
      });
    }
    const drawsOf = (node: string): readonly Float64Array[] => {
      const d = options.draws?.(node);
      if (!d) throw new Lmer2JagsError(`no draws for node ${node}`, { hint: 'monitor it in run.cmd, then sample again' });
      return d;
    };
    const G = fr.levels.length;
    for (const combo of set.combos) {
      const used = combo.weights.map((w, k) => ({ w, k })).filter((x) => x.w !== 0);
      const zs: { level: string; z: number }[] = [];
      const lm: number[] = [];
      const bm: number[] = [];
      let maxMcz = 0;
      fr.levels.forEach((level, j) => {
        let value = 0;
        for (const { w, k } of used) value += w * (fr.values[j][k] + (r.includesFixef[k] ? (fit.fixef[r.terms[k]] ?? 0) : 0));
        const s = summarize(combineDraws(used.map(({ w, k }) => ({ w, draws: drawsOf(nodeAt(r.nodes[k], j)) }))));
        if (j === 0) extraConvergence.push([`${set.factor}[${level}]: ${combo.label}`, s]);
        const z = (s.mean - value) / s.sd;
        zs.push({ level, z });
        lm.push(value);
        bm.push(s.mean);
        maxMcz = Math.max(maxMcz, mcz(s));
      });
      const worst = [...zs].sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
      const maxZ = Math.abs(worst[0].z);
      const zTol = t * (0.75 + 2 / Math.sqrt(G)) + maxMcz;
      const ok = maxZ <= zTol;
      const label = `${set.factor}: ${combo.label} (combined)`;
      rows.push({
        quantity: 'ranef',
        name: label,
        node: used.map(({ w, k }) => `${w === 1 ? '' : `${fmt(w)}*`}${r.nodes[k]}`).join(' + '),
        lmer: mean(lm),
        bayes: mean(bm),
        statistic: { kind: 'max |z|', value: maxZ },
        tolerance: zTol,
        bounds: [0, zTol],
        ok,
        ruleId: 'ranef-z',
        rule: `identified combination, every group: |posterior mean − lmer| / posterior SD ≤ ${fmt(zTol)} (0.75 + 2/√${G} groups, + 4 MCSE)`,
        detail: `${G} groups; correlation of lmer and posterior means ${correlation(lm, bm).toFixed(4)}; worst: ${worst
          .slice(0, 3)
          .map((w) => `${w.level} (z = ${w.z.toFixed(2)})`)
          .join(', ')}`,
        ...(ok ? {} : { reason: `the combined group effects ${label} differ from lmer's (worst group ${worst[0].level}, z = ${worst[0].z.toFixed(2)})` }),
      });

      // Its SD: √(Σ over the terms of w' Σ_term w), from lmer's VarCorr and per draw.
      let lmerVar = 0;
      let postVar: Float64Array[] | null = null;
      for (const g of groupsOf) {
        const nvc = names.varcorr.find((v) => v.group === g.group);
        const fvc = fit.varcorr.find((v) => v.group === g.group);
        if (!nvc || !fvc) continue;
        for (let a = g.from; a < g.to; a++) {
          for (let b = g.from; b < g.to; b++) {
            const wa = combo.weights[a];
            const wb = combo.weights[b];
            if (wa === 0 || wb === 0) continue;
            const ka = a - g.from;
            const kb = b - g.from;
            const rhoFit = ka === kb ? 1 : (fvc.corr?.[ka]?.[kb] ?? 0);
            lmerVar += wa * wb * fvc.sd[ka] * fvc.sd[kb] * (rhoFit ?? 0);
            const sa = drawsOf(nvc.sd[ka]);
            const sb = drawsOf(nvc.sd[kb]);
            const corrNode = ka === kb ? null : (nvc.corr[ka]?.[kb] ?? null);
            if (ka !== kb && corrNode === null) continue;
            const rr = corrNode ? drawsOf(corrNode) : null;
            postVar ??= sa.map((c) => new Float64Array(c.length));
            postVar.forEach((acc, c) => {
              for (let i = 0; i < acc.length; i++) acc[i] += wa * wb * sa[c][i] * sb[c][i] * (rr ? rr[c][i] : 1);
            });
          }
        }
      }
      if (postVar === null) continue;
      const est = Math.sqrt(Math.max(0, lmerVar));
      const s = summarize(postVar.map((c) => c.map((v) => Math.sqrt(Math.max(0, v)))));
      extraConvergence.push([`SD of ${label}`, s]);
      const j = judgeSd(est, s, G, fit.sigma, t);
      rows.push({
        quantity: 'sd',
        name: label,
        node: `SD of ${used.map(({ w, k }) => `${w === 1 ? '' : `${fmt(w)}*`}${r.nodes[k].replace('[{j}]', '')}`).join(' + ')}`,
        lmer: est,
        bayes: s.q50,
        statistic: j.statistic,
        tolerance: j.tolerance,
        bounds: j.bounds,
        ok: j.ok,
        ruleId: j.ruleId,
        rule: `identified combination: ${j.rule}`,
        detail: `posterior mean ${fmt(s.mean)}, 95% interval ${fmt(s.q2_5)} – ${fmt(s.q97_5)}`,
        ...(j.ok ? {} : { reason: `the SD of the combined ${label} differs from lmer's: ${fmt(est)}, posterior median ${fmt(s.q50)}` }),
      });
    }
  }

  // Residual SD.
  {
    const s = need(names.sigma);
    const ratio = s.q50 / fit.sigma;
    const logTol = t * (0.02 + 2 / Math.sqrt(fit.nobs)) + (4 * s.mcse) / s.q50;
    const ok = Math.abs(Math.log(ratio)) <= logTol;
    rows.push({
      quantity: 'sigma',
      name: 'residual',
      node: names.sigma,
      lmer: fit.sigma,
      bayes: s.q50,
      statistic: { kind: 'ratio', value: ratio },
      tolerance: Math.exp(logTol),
      bounds: [Math.exp(-logTol), Math.exp(logTol)],
      ok,
      ruleId: 'sigma-ratio',
      rule: `posterior median / sigma within ×÷${fmt(Math.exp(logTol))} (0.02 + 2/√${fit.nobs} observations on the log scale)`,
      detail: `posterior mean ${fmt(s.mean)}`,
      ...(ok ? {} : withReason(priorReason(names.sigma, fit.sigma, s, options.priors) ?? `the residual SD differs from lmer's: ${fmt(fit.sigma)}, posterior median ${fmt(s.q50)}`)),
    });
  }

  const skip = unidentifiedNodes(names, redundant);
  const convergence = convergenceOf(
    [...comparedNodes(names).filter((n) => !skip.has(n)).map((n) => [n, posterior(n)] as const), ...extraConvergence],
    options,
  );
  return { verdict: verdictOf(rows, convergence), rows, convergence, reasons: reasonsFor(rows, convergence) };
}

function verdictOf(rows: readonly VerifyRow[], convergence: ConvergenceCheck): Verdict {
  if (!convergence.ok) return 'unconverged';
  return rows.some((r) => !r.ok) ? 'differ' : 'agree';
}

/**
 * The reasons, causes first: a missing correlation or a prior that cannot reach lmer's
 * estimate explains other rows, which then say so.
 */
function reasonsFor(rows: readonly VerifyRow[], convergence: ConvergenceCheck): string[] {
  const reasons: string[] = [];
  if (!convergence.ok) {
    reasons.push(
      `the chains have not converged, so the comparison cannot judge the conversion: ${convergence.problems.slice(0, 4).join('; ')}. Run longer (--burnin, --iter) or check the model`,
    );
  }
  const failed = rows.filter((r) => !r.ok);
  const isCause = (r: VerifyRow) => r.ruleId === 'corr-absent' || /\bthe prior\b/.test(r.reason ?? '');
  const causes = failed.filter(isCause);
  const missingCorr = causes.filter((r) => r.ruleId === 'corr-absent').map((r) => r.name.split(':')[0]);
  const priorCauses = causes.filter((r) => r.ruleId !== 'corr-absent').map((r) => r.node);
  const text = (r: VerifyRow) => `${r.quantity} ${r.name}: ${r.reason ?? `outside tolerance (${r.statistic.kind} ${fmt(r.statistic.value)}, allowed ${fmt(r.tolerance)})`}`;
  for (const r of causes) reasons.push(text(r));
  for (const r of failed) {
    if (isCause(r)) continue;
    const factor = r.name.split(':')[0];
    let why = '';
    if (missingCorr.some((g) => g === factor || g.replace(/\.\d+$/, '') === factor)) why = ` (probably because the model leaves out the correlation of ${factor}'s effects, which changes how they are shrunk)`;
    else if (priorCauses.length > 0) why = ` (probably a consequence of the prior on ${[...new Set(priorCauses)].join(', ')})`;
    reasons.push(text(r) + why);
  }
  return [...new Set(reasons)];
}

function withReason(reason: string | undefined): { reason?: string } {
  return reason ? { reason } : {};
}

function sameTerms(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function medianOf(x: readonly number[]): number {
  return x.length === 0 ? NaN : median(Float64Array.from(x));
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}
