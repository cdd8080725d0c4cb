/**
 * The rules compare.ts adds for the expected gaps between REML estimates and posterior
 * summaries (few groups, lmer's conditional SDs given β̂, SDs near 0, wide correlation
 * posteriors, redundant random terms), each on a small hand-made fit and posterior: the rule
 * must pass what the gap explains and still fail what it does not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeSummary } from '../../src/mcmc/diagnostics.js';
import { compareFitToPosterior, expectedSeInflation, type LmerResult, type NodeNames, type RedundantTerms } from '../../src/verify/compare.js';

function summary(mean: number, sd: number, extra: Partial<NodeSummary> = {}): NodeSummary {
  return { mean, sd, q2_5: mean - 1.96 * sd, q50: mean, q97_5: mean + 1.96 * sd, rhat: 1.001, essBulk: 4000, essTail: 4000, mcse: sd / Math.sqrt(4000), ...extra };
}

/** A one-term intercept model `y ~ 1 + (1 | g)` with G groups. */
function oneTerm(G: number, o: { sd?: number; se?: number; condsd?: number; method?: 'REML' | 'ML' } = {}): { fit: LmerResult; names: NodeNames } {
  const levels = Array.from({ length: G }, (_, j) => `g${j + 1}`);
  const fit: LmerResult = {
    nobs: 10 * G,
    method: o.method ?? 'REML',
    fixef: { '(Intercept)': 10 },
    se: { '(Intercept)': o.se ?? 1 },
    sigma: 2,
    varcorr: [{ group: 'g', terms: ['(Intercept)'], sd: [o.sd ?? 2], corr: [[1]] }],
    ranef: { g: { levels, terms: ['(Intercept)'], values: levels.map((_, j) => [j % 2 === 0 ? 0.5 : -0.5]), condsd: levels.map(() => [o.condsd ?? 0.6]) } },
    singular: false,
  };
  const names: NodeNames = {
    parameterization: 'group-means',
    fixef: { '(Intercept)': 'mu.a' },
    sigma: 'sigma.y',
    varcorr: [{ group: 'g', terms: ['(Intercept)'], sd: ['sigma.a'], corr: [[null]] }],
    ranef: { g: { levels, terms: ['(Intercept)'], nodes: ['a[{j}]'], includesFixef: [true] } },
  };
  return { fit, names };
}

function posterior(fit: LmerResult, over: Record<string, NodeSummary> = {}): Map<string, NodeSummary> {
  const m = new Map<string, NodeSummary>();
  m.set('mu.a', summary(10, 1));
  m.set('sigma.y', summary(2, 0.05));
  m.set('sigma.a', summary(fit.varcorr[0].sd[0], 0.3));
  fit.ranef.g.levels.forEach((_, j) => m.set(`a[${j + 1}]`, summary(10 + fit.ranef.g.values[j][0], 0.7)));
  for (const [k, v] of Object.entries(over)) m.set(k, v);
  return m;
}

const row = (r: ReturnType<typeof compareFitToPosterior>, q: string, name?: string) => {
  const x = r.rows.find((y) => y.quantity === q && (name === undefined || y.name === name));
  assert.ok(x, `row ${q} ${name ?? ''}`);
  return x;
};

describe('verify rules for the expected REML–posterior gaps', () => {
  it('derives the se inflation from the number of groups: √((G−1)/(G−4)) for REML, √(G/(G−4)) for ML, none to expect for G ≤ 4', () => {
    assert.ok(Math.abs(expectedSeInflation(6) - Math.sqrt(5 / 2)) < 1e-12);
    assert.ok(Math.abs(expectedSeInflation(6, 'ML') - Math.sqrt(6 / 2)) < 1e-12);
    assert.ok(Math.abs(expectedSeInflation(100) - Math.sqrt(99 / 96)) < 1e-12);
    assert.equal(expectedSeInflation(4), Infinity);
  });
  it('accepts a posterior SD 1.6 times se with 6 groups, but not 5 times', () => {
    const { fit, names } = oneTerm(6);
    const ok = compareFitToPosterior(fit, names, (n) => posterior(fit, { 'mu.a': summary(10, 1.6) }).get(n));
    const se = row(ok, 'se');
    assert.equal(se.ruleId, 'se-ratio');
    assert.ok(se.ok, se.rule);
    const bad = compareFitToPosterior(fit, names, (n) => posterior(fit, { 'mu.a': summary(10, 5) }).get(n));
    assert.equal(row(bad, 'se').ok, false);
  });
  it('with 3 groups judges the se only from below: the prior bound governs how far above', () => {
    const { fit, names } = oneTerm(3);
    const wide = compareFitToPosterior(fit, names, (n) => posterior(fit, { 'mu.a': summary(10, 5) }).get(n));
    const se = row(wide, 'se');
    assert.equal(se.ruleId, 'se-few-groups');
    assert.ok(se.ok);
    const narrow = compareFitToPosterior(fit, names, (n) => posterior(fit, { 'mu.a': summary(10, 0.3) }).get(n));
    assert.equal(row(narrow, 'se').ok, false);
  });
  it("places the group coefficients' posterior SDs between lmer's conditional SDs and √(condsd² + se²)", () => {
    const { fit, names } = oneTerm(30, { condsd: 0.6, se: 1 });
    for (const sd of [0.6, 0.9, Math.hypot(0.6, 1)]) {
      const r = compareFitToPosterior(fit, names, (n) => (n.startsWith('a[') ? { ...summary(0, sd), mean: posterior(fit).get(n)!.mean } : posterior(fit).get(n)));
      const x = row(r, 'ranef-sd');
      assert.equal(x.ruleId, 'ranef-sd-band');
      assert.ok(x.ok, `${sd}: ${x.rule}`);
    }
    const r = compareFitToPosterior(fit, names, (n) => (n.startsWith('a[') ? { ...summary(0, 3), mean: posterior(fit).get(n)!.mean } : posterior(fit).get(n)));
    assert.equal(row(r, 'ranef-sd').ok, false);
  });
  it('judges an SD near 0 on the posterior scale, and a large one by the ratio', () => {
    const { fit, names } = oneTerm(15, { sd: 0.01 });
    const r = compareFitToPosterior(fit, names, (n) => posterior(fit, { 'sigma.a': summary(0.03, 0.02, { q50: 0.028 }) }).get(n));
    const x = row(r, 'sd');
    assert.equal(x.ruleId, 'sd-near-boundary');
    assert.ok(x.ok, x.rule);
    const far = compareFitToPosterior(fit, names, (n) => posterior(fit, { 'sigma.a': summary(0.3, 0.05, { q50: 0.3 }) }).get(n));
    assert.equal(row(far, 'sd').ok, false);
    const big = oneTerm(15, { sd: 2 });
    const ratio = compareFitToPosterior(big.fit, big.names, (n) => posterior(big.fit, { 'sigma.a': summary(5, 0.3, { q50: 5 }) }).get(n));
    assert.equal(row(ratio, 'sd').ruleId, 'sd-ratio');
    assert.equal(row(ratio, 'sd').ok, false);
  });
  it('allows a correlation 2 posterior SDs away when the posterior is wide, and flags one 3 SDs away', () => {
    const levels = Array.from({ length: 12 }, (_, j) => String(j + 1));
    const fit: LmerResult = {
      nobs: 120,
      fixef: { '(Intercept)': 1, x: 0.5 },
      se: { '(Intercept)': 0.2, x: 0.1 },
      sigma: 1,
      varcorr: [{ group: 'g', terms: ['(Intercept)', 'x'], sd: [1, 0.5], corr: [[1, -0.9], [-0.9, 1]] }],
      ranef: { g: { levels, terms: ['(Intercept)', 'x'], values: levels.map(() => [0, 0]), condsd: levels.map(() => [0.3, 0.2]) } },
      singular: false,
    };
    const names: NodeNames = {
      parameterization: 'group-means',
      fixef: { '(Intercept)': 'mu.a', x: 'mu.b' },
      sigma: 'sigma.y',
      varcorr: [{ group: 'g', terms: ['(Intercept)', 'x'], sd: ['sigma.a', 'sigma.b'], corr: [[null, 'rho.g'], ['rho.g', null]] }],
      ranef: { g: { levels, terms: ['(Intercept)', 'x'], nodes: ['a[{j}]', 'b[{j}]'], includesFixef: [true, true] } },
    };
    const base = new Map<string, NodeSummary>([
      ['mu.a', summary(1, 0.21)], ['mu.b', summary(0.5, 0.1)], ['sigma.y', summary(1, 0.03)], ['sigma.a', summary(1, 0.2)], ['sigma.b', summary(0.5, 0.1)],
    ]);
    levels.forEach((_, j) => {
      base.set(`a[${j + 1}]`, summary(1, Math.hypot(0.3, 0.2)));
      base.set(`b[${j + 1}]`, summary(0.5, Math.hypot(0.2, 0.1)));
    });
    const near = compareFitToPosterior(fit, names, (n) => (n === 'rho.g' ? summary(-0.25, 0.4, { q50: -0.25 }) : base.get(n)));
    assert.ok(row(near, 'corr').ok, row(near, 'corr').rule);
    assert.match(row(near, 'corr').rule, /2 posterior SDs/);
    const far = compareFitToPosterior(fit, names, (n) => (n === 'rho.g' ? summary(0.35, 0.4, { q50: 0.35 }) : base.get(n)));
    assert.equal(row(far, 'corr').ok, false);
  });
  it('reports the coefficients of redundant terms without judging them, and judges their identified combinations', () => {
    // (1 | g) + (0 + f | g) with f's two indicator columns: the intercept is their sum.
    const levels = Array.from({ length: 20 }, (_, j) => String(j + 1));
    const fit: LmerResult = {
      nobs: 400,
      fixef: { '(Intercept)': 1 },
      se: { '(Intercept)': 0.2 },
      sigma: 1,
      varcorr: [
        { group: 'g', terms: ['(Intercept)'], sd: [0], corr: [[1]] },
        { group: 'g.1', terms: ['fA', 'fB'], sd: [1, 1], corr: [[1, 0.5], [0.5, 1]] },
      ],
      ranef: { g: { levels, terms: ['(Intercept)', 'fA', 'fB'], values: levels.map((_, j) => [0, j / 20, -j / 20]), condsd: levels.map(() => [0, 0.3, 0.3]) } },
      singular: true,
    };
    const names: NodeNames = {
      parameterization: 'group-means',
      fixef: { '(Intercept)': 'mu.a' },
      sigma: 'sigma.y',
      varcorr: [
        { group: 'g', terms: ['(Intercept)'], sd: ['sigma.a'], corr: [[null]] },
        { group: 'g.1', terms: ['fA', 'fB'], sd: ['sigma.A', 'sigma.B'], corr: [[null, 'rho'], ['rho', null]] },
      ],
      ranef: { g: { levels, terms: ['(Intercept)', 'fA', 'fB'], nodes: ['a[{j}]', 'bA[{j}]', 'bB[{j}]'], includesFixef: [true, false, false] } },
    };
    const redundant: RedundantTerms[] = [
      { factor: 'g', groups: ['g', 'g.1'], combos: [{ label: '(Intercept) + fA', weights: [1, 1, 0] }, { label: '(Intercept) + fB', weights: [1, 0, 1] }], why: 'the 3 columns of (1 | g) and (0 + f | g) are linearly dependent (rank 2)' },
    ];
    // Draws in which the posterior splits each group's level between a and bA / bB by its
    // prior (a half each), so the single coefficients differ from lmer's but the sums agree.
    let s = 7;
    const noise = () => ((s = (s * 69069 + 1) >>> 0) / 2 ** 32 - 0.5) * 0.2;
    const draws = new Map<string, Float64Array[]>();
    const chain = (f: () => number) => [0, 1].map(() => Float64Array.from({ length: 1000 }, f));
    levels.forEach((_, j) => {
      const A = j / 20;
      const B = -j / 20;
      draws.set(`a[${j + 1}]`, chain(() => 1 + 0.3 + noise()));
      draws.set(`bA[${j + 1}]`, chain(() => A - 0.3 + noise()));
      draws.set(`bB[${j + 1}]`, chain(() => B - 0.3 + noise()));
    });
    draws.set('sigma.a', chain(() => 0.7 + noise()));
    draws.set('sigma.A', chain(() => 0.7 + noise()));
    draws.set('sigma.B', chain(() => 0.7 + noise()));
    draws.set('rho', chain(() => 0 + noise()));
    const summaries = new Map<string, NodeSummary>();
    const sumOf = (d: Float64Array[]) => {
      const all = Float64Array.from(d.flatMap((c) => [...c]));
      const m = all.reduce((a, b) => a + b, 0) / all.length;
      const sd = Math.sqrt(all.reduce((a, b) => a + (b - m) ** 2, 0) / (all.length - 1));
      return summary(m, sd, { q50: m });
    };
    for (const [k, v] of draws) summaries.set(k, sumOf(v));
    summaries.set('mu.a', summary(1, 0.2));
    summaries.set('sigma.y', summary(1, 0.03));
    const r = compareFitToPosterior(fit, names, (n) => summaries.get(n), { redundant, draws: (n) => draws.get(n) });
    const single = r.rows.filter((x) => x.ruleId === 'not-identified');
    assert.ok(single.length >= 6, 'ranef, ranef-sd, sd and corr rows of the redundant terms');
    assert.ok(single.every((x) => x.ok && x.judged === false && /linearly dependent/.test(x.rule)));
    const combined = r.rows.filter((x) => /\(combined\)/.test(x.name));
    assert.equal(combined.filter((x) => x.quantity === 'ranef').length, 2);
    assert.equal(combined.filter((x) => x.quantity === 'sd').length, 2);
    const ranefCombined = combined.filter((x) => x.quantity === 'ranef');
    assert.ok(ranefCombined.every((x) => x.ok), ranefCombined.map((x) => `${x.name} ${x.statistic.value} ${x.rule}`).join('\n'));
    // A combination that does not match lmer is still caught.
    const shifted = new Map(draws);
    levels.forEach((_, j) => shifted.set(`bA[${j + 1}]`, chain(() => j / 20 + 2 + noise())));
    const bad = compareFitToPosterior(fit, names, (n) => (n.startsWith('bA[') ? sumOf(shifted.get(n)!) : summaries.get(n)), { redundant, draws: (n) => shifted.get(n) });
    assert.equal(bad.verdict, 'differ');
    assert.ok(bad.reasons.some((x) => /combined/.test(x)), bad.reasons.join('\n'));
  });
  it('puts a cause first and says which other rows follow from it', () => {
    const { fit, names } = oneTerm(30, { sd: 2 });
    const big: LmerResult = { ...fit, fixef: { '(Intercept)': 3000 }, ranef: { g: { ...fit.ranef.g, values: fit.ranef.g.values } } };
    const post = posterior(big, { 'mu.a': summary(300, 50) });
    fit.ranef.g.levels.forEach((_, j) => post.set(`a[${j + 1}]`, summary(2995 + fit.ranef.g.values[j][0], 0.7)));
    const priors = new Map([['mu.a', { kind: 'normal' as const, mean: 0, sd: 100, text: 'dnorm(0, 1e-04)' }]]);
    const r = compareFitToPosterior(big, names, (n) => post.get(n), { priors });
    assert.equal(r.verdict, 'differ');
    assert.match(r.reasons[0], /the prior dnorm\(0, 1e-04\) on mu\.a/);
    assert.ok(r.reasons.slice(1).some((x) => /consequence of the prior on mu\.a/.test(x)), r.reasons.join('\n'));
  });
});
