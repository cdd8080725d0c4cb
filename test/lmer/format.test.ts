/**
 * formatLmerSummary against R's own print(summary(fit)) of every lme4 fixture
 * (fixtures/lmer/*.json "summary", captured by fixtures/R/lmer.R), line by line.
 *
 * The summaries are computed at lme4's own θ̂ (lmerAtTheta), so that this test is about the
 * printing and not about where the optimizer stopped (fixtures.test.ts checks that); the fit
 * stopped by the evaluation limit is refitted, because its warnings come from the optimizer.
 * Identical lines are required except where a rounded number's last digit may differ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDataFile } from '../../src/data/read.js';
import { formatG } from '../../src/lmer/convergence.js';
import { fitLmer, lmerAtTheta } from '../../src/lmer/fit.js';
import { formatLmerSummary, formatOptimizerRecord, zapsmall } from '../../src/lmer/format.js';
import { buildModelSpec } from '../../src/model/build.js';
import { compareRLines } from '../helpers/r-text.js';
import { fixturesDir, lmerFixtureFiles } from './helpers.js';
import type { LmerReference } from './reference.js';

const refs = lmerFixtureFiles().map((f) => JSON.parse(readFileSync(f, 'utf8')) as LmerReference);

test('every lme4 fixture has its printed summary', () => {
  assert.ok(refs.length >= 30);
  for (const ref of refs) assert.ok(Array.isArray(ref.summary) && ref.summary.length > 10, ref.id);
});

for (const ref of refs) {
  test(`summary text of ${ref.id} is R's: ${ref.formula}`, async (t) => {
    const spec = buildModelSpec(ref.formula, await readDataFile(join(fixturesDir, ref.data)), {
      ...(ref.weights ? { weights: ref.weights } : {}),
      ...(ref.offsetArg ? { offset: ref.offsetArg } : {}),
    });
    const fit = ref.maxeval
      ? fitLmer(spec, { REML: ref.REML, maxEval: ref.maxeval })
      : lmerAtTheta(spec, ref.theta as number[], { REML: ref.REML });
    const text = formatLmerSummary(fit, {
      data: 'dat',
      ...(ref.weights ? { weights: ref.weights } : {}),
      ...(ref.offsetArg ? { offset: ref.offsetArg } : {}),
      ...(ref.maxeval ? { control: `lmerControl(optCtrl = list(maxeval = ${ref.maxeval}))` } : {}),
    });
    assert.ok(text.endsWith('\n'));
    const cmp = compareRLines(text.replace(/\n$/, '').split('\n'), ref.summary as string[]);
    assert.deepEqual(cmp.problems, [], cmp.problems.join('\n'));
    if (cmp.tolerated.length > 0) t.diagnostic(`last-digit differences: ${cmp.tolerated.join('\n')}`);
  });
}

test("zapsmall follows R 4.2: decimals = round(digits - log10(max)), not ceiling", () => {
  // zapsmall(c(-2.950871, -0.000851, 2.978602), 5) in R 4.2.2 keeps 5 decimals
  // (5 - log10(2.98) = 4.53 rounds to 5); with a largest value of 5.18 it keeps 4.
  assert.deepEqual(zapsmall([-2.950871, -0.000851, 2.978602], 5), [-2.95087, -0.00085, 2.9786]);
  assert.deepEqual(zapsmall([-3.953571, 0.023113, 5.179345], 5), [-3.9536, 0.0231, 5.1793]);
});

test('the optimizer record names start and final theta, criteria, evaluations and the return reason', async () => {
  const sleep = refs.find((r) => r.id === 'sleepstudy-slope') as LmerReference;
  const spec = buildModelSpec(sleep.formula, await readDataFile(join(fixturesDir, sleep.data)));
  const fit = fitLmer(spec);
  const rec = formatOptimizerRecord(fit);
  assert.match(rec, /^optimizer: bobyqa/);
  assert.match(rec, /\n {2}start theta: 1 0 1\n/);
  const final = /\n {2}final theta: (\S+) (\S+) (\S+)\n/.exec(rec);
  assert.ok(final, rec);
  final.slice(1).forEach((v, i) => assert.ok(Math.abs(Number(v) - fit.theta[i]) <= 1e-6 * Math.max(1, fit.theta[i]), `${v} vs ${fit.theta[i]}`));
  assert.ok(rec.includes(`REML criterion: ${formatG(fit.optimizer.criterionStart, 7)} at the start, ${formatG(fit.criterion, 7)} at the end`), rec);
  assert.match(rec, new RegExp(`evaluations: ${fit.optimizer.evaluations} by the optimizer, ${fit.optimizer.totalEvaluations} in all`));
  assert.match(rec, /return: xtol \(NLopt code 4\): NLOPT_XTOL_REACHED/);
  const ml = formatOptimizerRecord(fitLmer(spec, { REML: false, maxEval: 10 }));
  assert.match(ml, /\n {2}deviance: /);
  assert.match(ml, /return: maxeval \(NLopt code 5\): NLOPT_MAXEVAL_REACHED/);
});
