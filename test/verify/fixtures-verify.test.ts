/**
 * verify passes on every fixture model with the default conversion options: each of the 77
 * formulas of fixtures/parse and every lme4 model of fixtures/lmer (weights, offsets and ML fits
 * included; the fixture list test/jags/fixtures-jags.test.ts uses, with ML fits kept apart from
 * their REML twins) is fitted with our lmer, converted with the defaults (group-means,
 * scaled-wishart, auto priors), sampled with the bundled engine and compared: the verdict must
 * be "agree", and each failing row is printed with its rule.
 *
 * Run lengths are chosen for CI time, not the defaults: 4 chains of 1000 draws after 500 of
 * burn-in, one sampler thread per model and two models at a time. Two models whose SD chains
 * mix slowly get 4000 draws (a 10-level vector term whose lmer fit is singular, and a 6-level
 * vector term); InstEval (73,421 rows, 4,128 group levels) gets 2 chains of 600 draws after 200.
 * With --seed 1 (the default) the bundled engine's draws do not depend on the threads, so the
 * run is reproducible. Measured: 5 min 44 s inside a full `npm test` on 2 cores shared with other
 * work (load average 7–9), InstEval (about 180 s of CPU) most of it; roughly half that on idle cores.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyModel, type VerifyOptions } from '../../src/verify/verify.js';
import { fixtureModels, fixtureSpec } from '../helpers/fixture-models.js';
import { loadFixtures } from '../helpers/fixtures.js';

const parse = loadFixtures<{ id: string }>('parse');
const cases = fixtureModels({ byMethod: true });

/** Longer runs for the models whose chains mix slowly (see the header). */
const RUNS: Record<string, VerifyOptions> = {
  'groups-reorder-vector': { iter: 4000 },
  'lmer:groups-boundary-vector': { iter: 4000 },
  insteval: { chains: 2, burnin: 200, iter: 600, threads: 2 },
};

describe('verify agrees on every fixture model with the default options', { concurrency: 2 }, () => {
  it('covers the 77 parse fixtures and every lme4 model, ML fits included', () => {
    assert.equal(parse.length, 77);
    assert.ok(cases.some((c) => !c.REML), 'ML fits');
    assert.ok(cases.length >= 75, `${cases.length} cases`);
  });
  for (const c of cases) {
    it(`${c.id}: ${c.formula}${c.REML ? '' : ' (ML)'}`, async () => {
      const spec = await fixtureSpec(c);
      const r = await verifyModel(spec, { REML: c.REML, chains: 4, burnin: 500, iter: 1000, threads: 1, ...RUNS[c.id] });
      const bad = r.report.rows.filter((x) => !x.ok).map((x) => `${x.quantity} ${x.name}: ${x.statistic.kind} ${x.statistic.value} (allowed ${x.tolerance}); rule: ${x.rule}`);
      assert.equal(r.report.verdict, 'agree', [...r.report.reasons, ...bad].join('\n'));
      // Every row names its rule, and the judged rows cover the fixed effects and sigma.
      for (const row of r.report.rows) assert.ok(row.ruleId && row.rule.length > 10, `${row.quantity} ${row.name} has a rule`);
      assert.equal(r.report.rows.filter((x) => x.quantity === 'fixef').length, spec.fixed.columns.length);
      assert.ok(r.report.rows.some((x) => x.quantity === 'sigma'));
    });
  }
});
