import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { NodeSummary } from '../../src/mcmc/diagnostics.js';
import { compareFitToPosterior, comparedNodes, type LmerResult, type NodeNames, type PriorInfo } from '../../src/verify/compare.js';
import { fixturePath } from '../helpers/fixtures.js';

/** lme4's fit of the seed post's model (fixtures/lmer/seed.json, from real lme4). */
const seedFit = JSON.parse(readFileSync(fixturePath('lmer/seed.json'), 'utf8')) as LmerResult & { ngroups: Record<string, number> };
const levels = seedFit.ranef.grp.levels;

function seedNames(corr: 'rho.grp' | null): NodeNames {
  return {
    parameterization: 'group-means',
    fixef: { '(Intercept)': 'mu.a', x: 'mu.b' },
    sigma: 'sigma.y',
    varcorr: [{ group: 'grp', terms: ['(Intercept)', 'x'], sd: ['sigma.a', 'sigma.b'], corr: [[null, corr], [corr, null]] }],
    ranef: { grp: { levels, terms: ['(Intercept)', 'x'], nodes: ['a[{j}]', 'b[{j}]'], includesFixef: [true, true] } },
  };
}

function summary(mean: number, sd: number, extra: Partial<NodeSummary> = {}): NodeSummary {
  return { mean, sd, q2_5: mean - 1.96 * sd, q50: mean, q97_5: mean + 1.96 * sd, rhat: 1.001, essBulk: 2000, essTail: 1800, mcse: sd / Math.sqrt(2000), ...extra };
}

/** A posterior that matches lmer as the seed post found (means and SDs within a few %). */
function agreeingPosterior(fit: LmerResult, overrides: Record<string, NodeSummary> = {}): Map<string, NodeSummary> {
  const m = new Map<string, NodeSummary>();
  m.set('mu.a', summary(fit.fixef['(Intercept)'] + 0.02 * fit.se['(Intercept)'], fit.se['(Intercept)'] * 1.01));
  m.set('mu.b', summary(fit.fixef.x - 0.01 * fit.se.x, fit.se.x * 1.02));
  m.set('sigma.y', summary(fit.sigma * 1.002, 0.03));
  m.set('sigma.a', summary(fit.varcorr[0].sd[0] * 1.01, 0.08));
  m.set('sigma.b', summary(fit.varcorr[0].sd[1] * 1.01, 0.09));
  m.set('rho.grp', summary((fit.varcorr[0].corr as number[][])[0][1] + 0.01, 0.1));
  const r = fit.ranef.grp;
  r.levels.forEach((_, j) => {
    m.set(`a[${j + 1}]`, summary(r.values[j][0] + fit.fixef['(Intercept)'] + 0.01, Math.hypot(r.condsd[j][0], fit.se['(Intercept)'])));
    m.set(`b[${j + 1}]`, summary(r.values[j][1] + fit.fixef.x - 0.01, Math.hypot(r.condsd[j][1], fit.se.x)));
  });
  for (const [k, v] of Object.entries(overrides)) m.set(k, v);
  return m;
}

describe('verify: compare lmer with the posterior', () => {
  it('agrees when the posterior matches lmer, with a rule on every row', () => {
    const post = agreeingPosterior(seedFit);
    const report = compareFitToPosterior(seedFit, seedNames('rho.grp'), (n) => post.get(n));
    assert.equal(report.verdict, 'agree', report.reasons.join('\n'));
    const kinds = new Set(report.rows.map((r) => r.quantity));
    for (const q of ['fixef', 'se', 'ranef', 'ranef-sd', 'sd', 'corr', 'sigma']) assert.ok(kinds.has(q as never), q);
    for (const r of report.rows) assert.ok(r.rule.length > 10, `row ${r.name} has a rule`);
    assert.equal(report.convergence.ok, true);
  });
  it('lists every node the comparison reads', () => {
    const nodes = comparedNodes(seedNames('rho.grp'));
    assert.ok(nodes.includes('a[100]') && nodes.includes('b[1]') && nodes.includes('rho.grp') && nodes.includes('sigma.y'));
    assert.equal(nodes.length, 6 + 200);
  });
  it('flags a shifted fixed effect with its z', () => {
    const post = agreeingPosterior(seedFit, { 'mu.a': summary(seedFit.fixef['(Intercept)'] + 3 * seedFit.se['(Intercept)'], seedFit.se['(Intercept)']) });
    const report = compareFitToPosterior(seedFit, seedNames('rho.grp'), (n) => post.get(n));
    assert.equal(report.verdict, 'differ');
    const row = report.rows.find((r) => r.quantity === 'fixef' && r.name === '(Intercept)');
    assert.ok(row && !row.ok && Math.abs(row.statistic.value - 3) < 0.1);
  });
  it('names the missing correlation when the model draws correlated effects independently', () => {
    const fit: LmerResult = { ...seedFit, varcorr: [{ ...seedFit.varcorr[0], corr: [[1, 0.9], [0.9, 1]] }] };
    const post = agreeingPosterior(seedFit);
    const report = compareFitToPosterior(fit, seedNames(null), (n) => post.get(n));
    assert.equal(report.verdict, 'differ');
    assert.ok(report.reasons.some((r) => /independently.*correlation at 0\.90/.test(r)), report.reasons.join('\n'));
  });
  it('names a prior that is too tight for the data', () => {
    const big: LmerResult = { ...seedFit, fixef: { ...seedFit.fixef, '(Intercept)': 2500 } };
    const post = agreeingPosterior(big, { 'mu.a': summary(1400, 60) });
    const priors = new Map<string, PriorInfo>([['mu.a', { kind: 'normal', mean: 0, sd: 100, text: 'dnorm(0, 0.0001)' }]]);
    const report = compareFitToPosterior(big, seedNames('rho.grp'), (n) => post.get(n), { priors });
    assert.equal(report.verdict, 'differ');
    assert.ok(report.reasons.some((r) => /prior dnorm\(0, 0\.0001\) on mu\.a/.test(r)), report.reasons.join('\n'));
  });
  it('names a uniform SD prior whose bound is below the estimate', () => {
    const big: LmerResult = { ...seedFit, sigma: 250 };
    const post = agreeingPosterior(big, { 'sigma.y': summary(99, 0.8, { q50: 99.2, q97_5: 99.97 }) });
    const priors = new Map<string, PriorInfo>([['sigma.y', { kind: 'uniform', lower: 0, upper: 100, text: 'dunif(0, 100)' }]]);
    const report = compareFitToPosterior(big, seedNames('rho.grp'), (n) => post.get(n), { priors });
    assert.ok(report.reasons.some((r) => /prior dunif\(0, 100\) on sigma\.y cannot reach/.test(r)), report.reasons.join('\n'));
  });
  it('says the chains have not converged instead of blaming the conversion', () => {
    const post = agreeingPosterior(seedFit, { 'sigma.a': summary(seedFit.varcorr[0].sd[0], 0.1, { rhat: 1.3, essBulk: 12 }) });
    const report = compareFitToPosterior(seedFit, seedNames('rho.grp'), (n) => post.get(n));
    assert.equal(report.verdict, 'unconverged');
    assert.match(report.reasons[0], /not converged.*sigma\.a/);
  });
  it('treats a singular fit as an expected gap, not a discrepancy', () => {
    const fit: LmerResult = { ...seedFit, singular: true, varcorr: [{ ...seedFit.varcorr[0], sd: [seedFit.varcorr[0].sd[0], 0] }] };
    const post = agreeingPosterior(seedFit);
    const report = compareFitToPosterior(fit, seedNames('rho.grp'), (n) => post.get(n));
    const row = report.rows.find((r) => r.quantity === 'sd' && r.name === 'grp: x');
    assert.ok(row?.ok && /singular/.test(row.rule));
  });
  it('a missing node is a clear error', () => {
    const post = agreeingPosterior(seedFit);
    post.delete('mu.b');
    assert.throws(() => compareFitToPosterior(seedFit, seedNames('rho.grp'), (n) => post.get(n)), /no draws for node mu\.b/);
  });
});
