/**
 * The bundled engine agrees with the real JAGS on every fixture model: the models of
 * test/jags/fixtures-jags.test.ts (the 77 formulas of fixtures/parse and the lme4 models of
 * fixtures/lmer), converted with the default options (group means, scaled inverse-Wishart,
 * priors from the data), run by both engines.
 *
 * The rule (agreement.ts), for every monitored node (fixed effects, SDs, correlations,
 * residual SD and every group coefficient):
 * - posterior means within 4 combined MCSEs: |m_ours − m_jags| ≤ 4·√(mcse_ours² + mcse_jags²);
 * - posterior SDs within 10%, judged where both runs estimate their SD to a combined 2.5%
 *   (so 10% is at least 4 Monte Carlo errors).
 *
 * Multiple comparisons: about 3,000 nodes are compared (2,863 vary before the ids- models). At 4 combined MCSEs a node fails
 * by chance with probability ≈ 6·10⁻⁵ (about 0.2 expected false alarms over all nodes), and an
 * SD judged at a precision of 2.5% or better fails by chance with probability below 6·10⁻⁵ too.
 * The rule is not loosened for that; instead a model with any failing node is run again, both
 * engines with fresh seeds and 4 times the iterations, and it is that second, independent run
 * that must pass on every node. A chance failure repeats with probability of order 10⁻⁸,
 * while a real difference persists, and stands out more at the longer run.
 *
 * Run lengths: 2 chains, burn-in 1000, then 4000 × k iterations, with k per model and engine
 * from RUN_LENGTHS (measured so that every SD reaches about 1.8% precision in JAGS and 1.2%
 * in the bundled engine; JAGS keeps at most 16,000 draws per chain, thinning longer runs, the
 * bundled engine keeps all).
 * A model whose run leaves a node too imprecise for the SD check gets the second run too, with
 * the iterations raised to reach the precision (at most MAX_LENGTH × 4000).
 *
 * Restrictions, and why:
 * - JAGS runs the converted files with `load glm` added at the top of run.cmd when they do not
 *   load it (the glm module changes JAGS's samplers, not the model: it updates the fixed
 *   effects and group coefficients of linear models together, which makes JAGS 5 to 20 times
 *   faster per effective draw here). test/jags/fixtures-jags.test.ts runs the files unchanged.
 * - InstEval (73,421 observations, 4,128 group levels) is left out: JAGS does about 5
 *   iterations a second on it, so an SD check of its 4,000 nodes would take hours.
 * - PARTIAL_SD lists the models whose SD check may leave nodes unjudged, with the reason:
 *   terms on 6 to 10 levels with uniform priors on their SDs, whose heavy-tailed posteriors
 *   JAGS (and for some, the bundled engine) would need minutes to pin down to 2%. Their means
 *   are all checked, and their SDs wherever the runs are precise enough; for every other
 *   model, every SD is judged.
 *
 * Coverage and time, as measured when this was written: every mean of the 2,863 nodes that
 * vary, and the SD of 2,676 of them; the largest |z| was 3.68 and the largest SD difference
 * 7.1%, with no second run needed. The file took 5.5 minutes on 2 cores shared with other
 * work (load about 6), and 3.6 minutes within a whole `npm test` at a load of 2 to 4; both
 * engines, two models at a time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { convertModel } from '../../src/jags/render.js';
import { writeConversion } from '../../src/jags/write.js';
import type { ModelSpec } from '../../src/model/spec.js';
import { HAVE_JAGS } from '../jags/jags-run.js';
import { fixtureModels, fixtureSpec } from '../helpers/fixture-models.js';
import { type NodeStats, type NodeVerdict, SD_PRECISION, compareSamples, runBothEngines } from './agreement.js';

const CHAINS = 2;
const BURNIN = 1000;
const BASE_ITER = 4000;
/** JAGS keeps up to JAGS_KEEP × BASE_ITER draws per chain (thinning longer runs). */
const JAGS_KEEP = 4;
/** The longest run, in multiples of BASE_ITER. */
const MAX_LENGTH = 48;

/**
 * [JAGS, bundled engine] run length in multiples of BASE_ITER (default 1): enough for every SD
 * to reach the precision of the check, except for the PARTIAL_SD models, which get moderate
 * runs (their heavy-tailed nodes would need minutes).
 */
const RUN_LENGTHS: Readonly<Record<string, readonly [number, number]>> = {
  'cake-interaction': [7, 1],
  'cake-temperature': [2, 2],
  'cbpp-factor': [9, 1],
  dyestuff: [4, 4],
  'groups-corr3': [1, 2],
  'groups-crossed-slope': [5, 6],
  'groups-crossed': [2, 2],
  'groups-dblbar-multi': [2, 1],
  'groups-factor-dblbar': [2, 2],
  'groups-nested': [4, 3],
  'groups-no-reorder-ties': [4, 3],
  'groups-reorder-ties': [4, 3],
  'groups-reorder-vector': [2, 2],
  'groups-reorder': [4, 3],
  'groups-several-terms': [2, 2],
  'groups-zero-factor': [3, 3],
  'pastes-interaction': [24, 4],
  'pastes-nested': [15, 3],
  'penicillin-crossed': [8, 2],
  'sleepstudy-I-arith': [2, 1],
  'sleepstudy-I-compare': [2, 2],
  'sleepstudy-I-exponent': [13, 1],
  'sleepstudy-I-response': [2, 2],
  'sleepstudy-as-numeric': [2, 2],
  'sleepstudy-factor-days': [2, 1],
  'sleepstudy-intercept': [2, 2],
  'sleepstudy-log-exp': [2, 1],
  'sleepstudy-log-response': [1, 2],
  'sleepstudy-minus-one': [2, 1],
  'sleepstudy-nocorr': [2, 1],
  'sleepstudy-offset-call': [2, 2],
  'sleepstudy-offset': [2, 2],
  'sleepstudy-only-intercept': [14, 2],
  'sleepstudy-plus-zero': [2, 1],
  'sleepstudy-poly3': [2, 2],
  'sleepstudy-scale': [1, 2],
  'sleepstudy-slope': [1, 2],
  'sleepstudy-sqrt-response': [2, 2],
  'sleepstudy-two-terms': [2, 1],
  'sleepstudy-zero-plus': [2, 1],
  'types-char-factor': [4, 2],
  'types-crossed-na': [7, 2],
  'types-f-colon-x': [6, 1],
  'types-f-star-lot': [11, 1],
  'types-f-star-treated': [3, 1],
  'types-f-star-x': [5, 2],
  'types-factor-slope': [2, 3],
  'types-group-int-na': [20, 2],
  'types-group-unused-level': [8, 4],
  'types-in': [6, 1],
  'types-logical': [4, 1],
  'types-minus-one-f': [5, 2],
  'types-minus-term': [3, 2],
  'types-names': [4, 1],
  'types-numeric-strings': [9, 1],
  'types-offset-log': [4, 2],
  'types-power': [6, 2],
  'types-rank-deficient': [3, 2],
  'types-slash': [5, 2],
  'types-three-way': [4, 1],
  'types-x-plus-f-colon-x': [6, 1],
  'lmer:cbpp-weights': [3, 1],
  'lmer:dyestuff2-singular': [4, 4],
  'lmer:groups-boundary-vector': [3, 2],
  'lmer:groups-factor-dblbar': [2, 2],
  'lmer:groups-several-terms': [5, 1],
  'lmer:sleepstudy-poly': [2, 2],
  'lmer:sleepstudy-transforms': [2, 1],
  'lmer:types-crossed-na-ml': [11, 3],
  'lmer:types-factors': [6, 4],
  'lmer:types-names-interaction': [3, 2],
  'lmer:types-offset-arg': [4, 2],
  'lmer:types-rank-deficient': [2, 2],
  'lmer:types-weights': [4, 1],
};

const FEW_LEVELS = 'uniform priors on the SDs of terms with few levels give heavy-tailed posteriors';
/** Models whose SD check may leave nodes unjudged, and why. */
const PARTIAL_SD: Readonly<Record<string, string>> = {
  dyestuff: `Batch has 6 levels (${FEW_LEVELS}); the estimate of sigma.a's SD error itself varies by half between runs of 160,000 iterations`,
  'lmer:dyestuff2-singular': `Batch has 6 levels (${FEW_LEVELS}), and lme4's fit is singular: sigma.a's posterior piles up near 0`,
  'types-group-unused-level': `f has 3 levels (${FEW_LEVELS}); sigma.a's SD needs minutes in either engine`,
  'penicillin-crossed': 'the intercept mu.a.plate and the 6 sample means are confounded (crossed with the 24 plates), and JAGS moves them one at a time: ~2 minutes for 2%',
  'groups-reorder': `school has 6 levels (${FEW_LEVELS}); sigma.a.school needs ~90 s in JAGS`,
  'groups-nested': `school has 6 levels (${FEW_LEVELS}); JAGS would need ~60 s for mu.a.class.school, sigma.a.school and the class means`,
  'groups-no-reorder-ties': `school has 6 levels (${FEW_LEVELS}); sigma.a.school needs ~40 s in the bundled engine`,
  'groups-reorder-ties': `school has 6 levels (${FEW_LEVELS}); JAGS would need ~100 s for the block and school SDs and means`,
  'groups-reorder-vector': `(x1 | school) on 6 levels (${FEW_LEVELS}); JAGS would need ~20 minutes for sigma.a.school and the subject means`,
  'groups-several-terms': `site has 10 levels (${FEW_LEVELS}); JAGS would need ~75 s for sigma.a.site and the site means`,
  'groups-factor-dblbar': 'sigma.a.subj, the SD of the intercepts of (cond || subj), mixes slowly in JAGS (~8 minutes to 2%)',
  'lmer:groups-factor-dblbar': 'the intercept SD of (cond || subj) and its correlated coefficients: ~30 s in each engine',
  'lmer:groups-boundary-vector': 'sigma.a, at lme4\'s boundary (a singular fit): JAGS would need ~4 minutes',
  // fixtures/data/sim_ids.csv (48 rows) checks how group ids are read: its factors have 4 to 6 levels.
  'ids-factor-double': `lab has 4 levels (${FEW_LEVELS})`,
  'ids-factor-integer': `lab has 4 levels (${FEW_LEVELS})`,
  'ids-group-beyond-int': `big has 6 levels (${FEW_LEVELS})`,
  'ids-group-double': `id_d has 6 levels (${FEW_LEVELS})`,
  'ids-group-integer': `id has 6 levels (${FEW_LEVELS})`,
  'ids-integer-arithmetic': `big has 6 levels (${FEW_LEVELS})`,
  'ids-integer-overflow': `lab has 4 levels (${FEW_LEVELS})`,
  'ids-log-negative': `id has 6 levels (${FEW_LEVELS})`,
  'ids-nested': `id has 6 levels and lab:id few (${FEW_LEVELS})`,
};

/** Models left out, and why. */
const LEFT_OUT: Readonly<Record<string, string>> = {
  insteval: 'InstEval: JAGS does about 5 iterations a second on 73,421 rows and 4,128 levels',
};

/** Adds `load glm` to the top of DIR/run.cmd unless it loads the module already. */
function loadGlm(dir: string): void {
  const path = join(dir, 'run.cmd');
  const text = readFileSync(path, 'utf8');
  if (!/^load glm\s*$/m.test(text)) writeFileSync(path, `load glm\n${text}`);
}

/** Both engines' posterior summaries for the given run lengths (multiples of BASE_ITER). */
async function runBoth(spec: ModelSpec, lengthJags: number, lengthOurs: number, seed: number): Promise<{ jags: Map<string, NodeStats>; ours: Map<string, NodeStats> }> {
  const dirJ = mkdtempSync(join(tmpdir(), 'lmer2jags-agree-jags-'));
  const dirO = mkdtempSync(join(tmpdir(), 'lmer2jags-agree-ours-'));
  return runBothEngines(dirJ, dirO, async () => {
    await writeConversion(dirJ, convertModel(spec, { chains: CHAINS, burnin: BURNIN, iter: BASE_ITER * lengthJags, thin: Math.ceil(lengthJags / JAGS_KEEP), seed }).files);
    loadGlm(dirJ);
    await writeConversion(dirO, convertModel(spec, { chains: CHAINS, burnin: BURNIN, iter: BASE_ITER * lengthOurs, seed: seed + 1 }).files);
  });
}

function summary(vs: readonly NodeVerdict[]): string {
  const varying = vs.filter((v) => v.sdPrecision > 0);
  const judged = varying.filter((v) => v.sdJudged);
  const worstZ = varying.reduce((w, v) => (Math.abs(v.z) > Math.abs(w.z) ? v : w), varying[0]);
  const worstSd = judged.reduce((w, v) => (Math.abs(v.sdDiff) > Math.abs(w.sdDiff) ? v : w), judged[0]);
  return `${vs.length} nodes, SD judged on ${judged.length} of ${varying.length}; largest |z| ${Math.abs(worstZ?.z ?? 0).toFixed(2)} (${worstZ?.name}), largest SD difference ${(100 * Math.abs(worstSd?.sdDiff ?? 0)).toFixed(1)}% (${worstSd?.name ?? 'none'})`;
}

const models = fixtureModels();

describe('the bundled engine agrees with JAGS on every fixture model', { concurrency: 2 }, () => {
  it('covers the fixture models', () => {
    assert.ok(models.length >= 80, `${models.length} models`);
    for (const id of [...Object.keys(RUN_LENGTHS), ...Object.keys(PARTIAL_SD), ...Object.keys(LEFT_OUT)]) {
      assert.ok(models.some((m) => m.id === id), `${id} is not a fixture model`);
    }
  });
  for (const m of models) {
    const skip = !HAVE_JAGS ? 'jags is not installed' : LEFT_OUT[m.id];
    it(`${m.id}: ${m.formula}`, skip ? { skip } : {}, async (t) => {
      const spec = await fixtureSpec(m);
      const [lj, lo] = RUN_LENGTHS[m.id] ?? [1, 1];
      const partial = PARTIAL_SD[m.id] !== undefined;
      const first = await runBoth(spec, lj, lo, 1);
      let verdicts = compareSamples(first.ours, first.jags);
      const imprecise = (vs: readonly NodeVerdict[]) => (partial ? [] : vs.filter((v) => v.sdPrecision > 0 && !v.sdJudged));
      const failed = verdicts.filter((v) => !v.ok);
      const short = imprecise(verdicts);
      t.diagnostic(`run 1 (JAGS ${BASE_ITER * lj}, bundled ${BASE_ITER * lo} iterations per chain): ${summary(verdicts)}`);
      if (failed.length > 0 || short.length > 0) {
        // The second, independent run: 4 times longer, and for each engine as long as the SD
        // precision needs (its share of the combined error at most 0.8 · SD_PRECISION / √2).
        const goal = (0.8 * SD_PRECISION) / Math.SQRT2;
        const grow = (err: (v: NodeVerdict) => number) => Math.max(failed.length > 0 ? 4 : 1, ...short.map((v) => (err(v) / goal) ** 2));
        const lj2 = Math.min(MAX_LENGTH, Math.ceil(lj * grow((v) => v.sdErrorB)));
        const lo2 = Math.min(MAX_LENGTH, Math.ceil(lo * grow((v) => v.sdErrorA)));
        t.diagnostic(`run 1: ${failed.length} node(s) outside the rule${failed.length ? ` (${failed.slice(0, 3).map((v) => v.why).join(' | ')})` : ''}, ${short.length} too imprecise for the SD check; run 2 with JAGS ${BASE_ITER * lj2}, bundled ${BASE_ITER * lo2} iterations`);
        const second = await runBoth(spec, lj2, lo2, 101);
        verdicts = compareSamples(second.ours, second.jags);
        t.diagnostic(`run 2: ${summary(verdicts)}`);
      }
      const bad = verdicts.filter((v) => !v.ok);
      assert.equal(bad.length, 0, `${bad.length} node(s) disagree:\n${bad.slice(0, 20).map((v) => `  ${v.why}`).join('\n')}`);
      const left = imprecise(verdicts);
      assert.equal(left.length, 0, `the runs are too short to judge the SDs of ${left.map((v) => `${v.name} (${(100 * v.sdPrecision).toFixed(1)}%)`).join(', ')}: raise ${m.id}'s RUN_LENGTHS`);
      if (partial) {
        const unjudged = verdicts.filter((v) => v.sdPrecision > 0 && !v.sdJudged).map((v) => v.name);
        if (unjudged.length > 0) t.diagnostic(`SD not judged (${PARTIAL_SD[m.id]}): ${unjudged.join(', ')}`);
      }
    });
  }
});
