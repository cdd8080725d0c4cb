/**
 * lmer and its Bayesian twin side by side (DESIGN §8): every lme4 quantity against the
 * posterior of the node names.json maps it to, each row judged by a stated rule whose
 * tolerance allows for Monte Carlo error and for the gap expected between REML/ML estimates
 * and posterior summaries with this many groups. Convergence is judged first: unconverged
 * chains give the verdict "unconverged", not a blame on the conversion.
 */
import { Lmer2JagsError } from '../errors.js';
import { mean, median, type NodeSummary } from '../mcmc/diagnostics.js';

/** What verify needs of an lmer fit: the `fit --json` contract (DESIGN §9). */
export interface LmerResult {
  readonly nobs: number;
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
  /** The bound the statistic must stay within. */
  readonly tolerance: number;
  readonly ok: boolean;
  /** The rule that judged this row, in words. */
  readonly rule: string;
  /** Why it differs, when it does and we can tell. */
  readonly reason?: string;
  /** Extra detail: worst groups, posterior mean alongside the median, notes. */
  readonly detail?: string;
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
  /** One sentence per discrepancy (or the convergence problem), for people. */
  readonly reasons: readonly string[];
}

export interface CompareOptions {
  /** Multiplies every tolerance (default 1): larger is more lenient. */
  readonly tolerance?: number;
  /** R-hat above this, or bulk ESS below `minEss`, means unconverged (defaults 1.05, 100). */
  readonly maxRhat?: number;
  readonly minEss?: number;
  readonly priors?: ReadonlyMap<string, PriorInfo>;
}

type Posterior = (node: string) => NodeSummary | undefined;

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x));

function nodeAt(pattern: string, j: number): string {
  return pattern.replace('{j}', String(j + 1));
}

/** The number of groups behind a fixed effect: that of the random term holding it, else the smallest. */
function groupsFor(fit: LmerResult, names: NodeNames, fixefName: string): number {
  for (const [group, r] of Object.entries(names.ranef)) {
    const k = r.terms.indexOf(fixefName);
    if (k >= 0 && r.includesFixef[k]) return fit.ranef[group]?.levels.length ?? r.levels.length;
  }
  const all = Object.values(fit.ranef).map((r) => r.levels.length);
  return all.length > 0 ? Math.min(...all) : fit.nobs;
}

function vcGroupLevels(fit: LmerResult, group: string): number {
  // VarCorr names a second term on a factor "g.1"; ranef is keyed by the factor "g".
  const r = fit.ranef[group] ?? fit.ranef[group.replace(/\.\d+$/, '')];
  return r ? r.levels.length : 2;
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

export function checkConvergence(nodes: readonly string[], posterior: Posterior, options: CompareOptions = {}): ConvergenceCheck {
  const maxRhatAllowed = options.maxRhat ?? 1.05;
  const minEss = options.minEss ?? 100;
  let maxRhat = 1;
  let minBulk = Infinity;
  let minTail = Infinity;
  const bad: { node: string; score: number; text: string }[] = [];
  const warnings: string[] = [];
  for (const node of nodes) {
    const s = posterior(node);
    if (!s) continue;
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

export function compareFitToPosterior(fit: LmerResult, names: NodeNames, posterior: Posterior, options: CompareOptions = {}): VerifyReport {
  const t = options.tolerance ?? 1;
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

  // Fixed effects: posterior mean vs fixef (z), posterior SD vs se (ratio).
  for (const [name, node] of Object.entries(names.fixef)) {
    const est = fit.fixef[name];
    const se = fit.se[name];
    if (est === undefined) continue;
    const s = need(node);
    const G = groupsFor(fit, names, name);
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
      ok: zOk,
      rule: `|posterior mean − fixef| / posterior SD ≤ ${fmt(zTol)} (0.5 + 2/√${G} groups, + 4 MCSE)`,
      ...(zOk ? {} : withReason(priorReason(node, est, s, options.priors))),
    });
    if (se !== undefined && se > 0) {
      const ratio = s.sd / se;
      const essAllow = 2 / Math.sqrt(2 * Math.max(1, s.essBulk));
      const logTol = t * (0.1 + 1.5 / Math.sqrt(G)) + essAllow;
      const ok = Math.abs(Math.log(ratio)) <= logTol;
      rows.push({
        quantity: 'se',
        name,
        node,
        lmer: se,
        bayes: s.sd,
        statistic: { kind: 'ratio', value: ratio },
        tolerance: Math.exp(logTol),
        ok,
        rule: `posterior SD / se within ×÷${fmt(Math.exp(logTol))} (0.1 + 1.5/√${G} groups on the log scale, + MC error)`,
        ...(ok ? {} : withReason(priorReason(node, est, s, options.priors))),
      });
    }
  }

  // Group coefficients: fixef + ranef (or ranef) vs posterior means; se.ranef vs posterior SDs.
  for (const [group, r] of Object.entries(names.ranef)) {
    const fr = fit.ranef[group];
    if (!fr) continue;
    r.terms.forEach((term, k) => {
      const col = fr.terms.indexOf(term);
      if (col < 0) return;
      const G = fr.levels.length;
      const addFixef = r.includesFixef[k] ? (fit.fixef[term] ?? 0) : 0;
      const seFixef = r.includesFixef[k] ? (fit.se[term] ?? 0) : 0;
      const zs: { level: string; z: number }[] = [];
      const lm: number[] = [];
      const bm: number[] = [];
      const sdRatios: number[] = [];
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
        const lmerSd = Math.sqrt(condsd * condsd + seFixef * seFixef);
        if (lmerSd > 0) sdRatios.push(s.sd / lmerSd);
      });
      if (zs.length === 0) return;
      const worst = [...zs].sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
      const maxZ = Math.abs(worst[0].z);
      const zTol = t * (0.75 + 2 / Math.sqrt(G)) + maxMcz;
      const corr = correlation(lm, bm);
      const label = `${group}: ${term}${r.includesFixef[k] ? ' (fixef + ranef)' : ''}`;
      const ok = maxZ <= zTol;
      rows.push({
        quantity: 'ranef',
        name: label,
        node: r.nodes[k],
        lmer: mean(lm),
        bayes: mean(bm),
        statistic: { kind: 'max |z|', value: maxZ },
        tolerance: zTol,
        ok,
        rule: `every group: |posterior mean − lmer| / posterior SD ≤ ${fmt(zTol)} (0.75 + 2/√${G} groups, + 4 MCSE)`,
        detail: `${G} groups; correlation of lmer and posterior means ${corr.toFixed(4)}; worst: ${worst
          .slice(0, 3)
          .map((w) => `${w.level} (z = ${w.z.toFixed(2)})`)
          .join(', ')}`,
        ...(ok ? {} : { reason: `group effects for ${label} differ from lmer's (worst group ${worst[0].level}, z = ${worst[0].z.toFixed(2)})` }),
      });
      if (sdRatios.length > 0) {
        const medRatio = medianOf(sdRatios);
        const logTol = t * (0.15 + 1.5 / Math.sqrt(G));
        const sdOk = Math.abs(Math.log(medRatio)) <= logTol;
        rows.push({
          quantity: 'ranef-sd',
          name: label,
          node: r.nodes[k],
          lmer: medianOf(fr.condsd.map((row) => Math.sqrt(row[col] * row[col] + seFixef * seFixef))),
          bayes: medianOf(fr.levels.map((_, j) => posterior(nodeAt(r.nodes[k], j))?.sd ?? NaN).filter(Number.isFinite)),
          statistic: { kind: 'median ratio', value: medRatio },
          tolerance: Math.exp(logTol),
          ok: sdOk,
          rule: `median over groups of posterior SD / lmer's conditional SD${seFixef > 0 ? ' (with se of the fixed effect added, since the node holds it)' : ''} within ×÷${fmt(Math.exp(logTol))}`,
          detail: "lmer's conditional SDs condition on the estimated variance components; the posterior integrates over them",
          ...(sdOk ? {} : { reason: `posterior SDs of the ${label} group effects are ${fmt(medRatio)} times lmer's` }),
        });
      }
    });
  }

  // Variance components: SDs and correlations vs posterior medians (and means).
  for (const vc of names.varcorr) {
    const fvc = fit.varcorr.find((v) => v.group === vc.group && sameTerms(v.terms, vc.terms));
    if (!fvc) continue;
    const G = vcGroupLevels(fit, vc.group);
    vc.terms.forEach((term, k) => {
      const node = vc.sd[k];
      const est = fvc.sd[fvc.terms.indexOf(term)];
      if (node === undefined || est === undefined) return;
      const s = need(node);
      const scale = Math.max(fit.sigma, 1e-300);
      if (est < 1e-4 * scale) {
        rows.push({
          quantity: 'sd',
          name: `${vc.group}: ${term}`,
          node,
          lmer: est,
          bayes: s.q50,
          statistic: { kind: 'median', value: s.q50 },
          tolerance: Infinity,
          ok: true,
          rule: 'singular lmer fit: its estimate is on the boundary (0), which a posterior cannot put mass at; a posterior away from 0 is expected',
          detail: `posterior mean ${fmt(s.mean)}, 95% interval ${fmt(s.q2_5)} – ${fmt(s.q97_5)}`,
        });
        return;
      }
      const ratio = s.q50 / est;
      const logTol = t * (0.1 + 2.5 / Math.sqrt(G)) + (4 * s.mcse) / Math.max(s.q50, 1e-300);
      const ok = Math.abs(Math.log(ratio)) <= logTol;
      rows.push({
        quantity: 'sd',
        name: `${vc.group}: ${term}`,
        node,
        lmer: est,
        bayes: s.q50,
        statistic: { kind: 'ratio', value: ratio },
        tolerance: Math.exp(logTol),
        ok,
        rule: `posterior median / lmer SD within ×÷${fmt(Math.exp(logTol))} (0.1 + 2.5/√${G} groups on the log scale: SD posteriors are skewed with few groups)`,
        detail: `posterior mean ${fmt(s.mean)}`,
        ...(ok ? {} : withReason(priorReason(node, est, s, options.priors) ?? `the ${vc.group} ${term} SD differs from lmer's`)),
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
            ok,
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
            rule: 'singular lmer fit: a correlation of ±1 is on the boundary; the posterior stays inside (−1, 1)',
          });
          continue;
        }
        const tol = t * (0.1 + 2.5 * spread) + 4 * s.mcse;
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
          ok,
          rule: `|posterior median − lmer correlation| ≤ ${fmt(tol)} (0.1 + 2.5(1−ρ²)/√${G} groups, + 4 MCSE)`,
          detail: `posterior mean ${fmt(s.mean)}`,
          ...(ok ? {} : { reason: `the correlation ${label} differs: lmer ${rho.toFixed(2)}, posterior median ${s.q50.toFixed(2)}` }),
        });
      }
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
      ok,
      rule: `posterior median / sigma within ×÷${fmt(Math.exp(logTol))} (0.02 + 2/√${fit.nobs} observations on the log scale)`,
      detail: `posterior mean ${fmt(s.mean)}`,
      ...(ok ? {} : withReason(priorReason(names.sigma, fit.sigma, s, options.priors) ?? 'the residual SD differs from lmer\'s')),
    });
  }

  const convergence = checkConvergence(comparedNodes(names), posterior, options);
  const failed = rows.filter((r) => !r.ok);
  const reasons: string[] = [];
  let verdict: Verdict;
  if (!convergence.ok) {
    verdict = 'unconverged';
    reasons.push(
      `the chains have not converged, so the comparison cannot judge the conversion: ${convergence.problems.slice(0, 4).join('; ')}. Run longer (--burnin, --iter) or check the model`,
    );
  } else {
    verdict = failed.length === 0 ? 'agree' : 'differ';
  }
  for (const r of failed) reasons.push(`${r.quantity} ${r.name}: ${r.reason ?? `outside tolerance (${r.statistic.kind} ${fmt(r.statistic.value)}, allowed ${fmt(r.tolerance)})`}`);
  return { verdict, rows, convergence, reasons: [...new Set(reasons)] };
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
