import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitLmer, lmerStart } from '../../src/lmer/fit.js';
import { lmerFitToJson } from '../../src/lmer/summary.js';
import { Lmer2JagsError } from '../../src/errors.js';
import { handSpec, repoRoot } from './helpers.js';
import { handModelFor, loadData } from './models.js';
import { checkAgainstReference, type LmerReference } from './reference.js';

/** Models whose optimizer path we verified to coincide with NLopt's evaluation by evaluation. */
const EXACT_PATH = new Set(['sleepstudy-slope', 'sleepstudy-slope-ml', 'dyestuff', 'dyestuff2', 'penicillin', 'pastes']);

interface RefWithOpt extends LmerReference {
  readonly optinfo: { feval: number; message: string };
}

const references: RefWithOpt[] = JSON.parse(readFileSync(join(repoRoot, 'test', 'lmer', 'lme4-reference.json'), 'utf8'));

function specFor(ref: LmerReference) {
  const table = loadData(ref.data);
  const model = handModelFor(ref.formula);
  if (!table || !model) return null;
  return handSpec(table, {
    ...model,
    ...(ref.weights ? { weights: ref.weights } : {}),
    ...(ref.offsetArg ? { offset: ref.offsetArg } : {}),
  });
}

for (const ref of references) {
  test(`lmer matches lme4: ${ref.id} (${ref.formula}, ${ref.REML ? 'REML' : 'ML'})`, (t) => {
    const spec = specFor(ref);
    if (!spec) {
      t.skip(`data set ${ref.data} is not available (no fixtures/data and no Rscript)`);
      return;
    }
    const r = checkAgainstReference(spec, ref);
    assert.deepEqual(r.failures, [], `${ref.id}:\n  ${r.failures.join('\n  ')}`);
    if (r.note) t.diagnostic(r.note);
    // Our BOBYQA follows NLopt's step by step, so when the paths coincide the evaluation
    // counts are lme4's.
    if (r.exact && EXACT_PATH.has(ref.id)) assert.equal(r.fit.optimizer.evaluations, ref.optinfo.feval);
  });
}

test('sleepstudy: DESIGN §4 reference numbers (REML and ML)', (t) => {
  const table = loadData('sleepstudy');
  if (!table) return t.skip('no sleepstudy data');
  const spec = handSpec(table, handModelFor('Reaction ~ Days + (Days | Subject)')!);
  const fit = fitLmer(spec);
  const near = (a: number, b: number, tol: number): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
  near(fit.criterion, 1743.62827, 1e-5);
  [0.96674, 0.01517, 0.23091].forEach((v, i) => near(fit.theta[i], v, 5e-6));
  near(fit.fixef[0], 251.4051, 1e-4);
  near(fit.fixef[1], 10.46729, 1e-5);
  near(fit.sigma, 25.5918, 1e-4);
  near(fit.se[0], 6.8246, 1e-4);
  near(fit.se[1], 1.54579, 1e-5);
  near(fit.varcorr[0].sd[0], 24.74066, 1e-5);
  near(fit.varcorr[0].sd[1], 5.92214, 1e-5);
  near(fit.varcorr[0].corr[0][1], 0.06555, 1e-5);
  assert.equal(fit.method, 'REML');
  assert.equal(fit.converged, true);
  assert.equal(fit.singular, false);
  assert.equal(fit.df, 6);
  near(fit.logLik, -871.81414, 1e-5);
  near(fit.AIC, 1755.62827, 1e-5);
  // lme4's deviance(fit, REML = FALSE) at the REML estimates.
  near(fit.devianceML, 1751.98587, 1e-5);
  const ml = fitLmer(spec, { REML: false });
  near(ml.criterion, 1751.93934, 1e-5);
  assert.equal(ml.method, 'ML');
  assert.equal(ml.deviance, ml.criterion);
  // The optimizer record.
  assert.deepEqual(fit.optimizer.thetaStart, [1, 0, 1]);
  assert.equal(fit.optimizer.status, 'xtol');
  assert.ok(fit.optimizer.criterionStart > fit.optimizer.criterionEnd);
  assert.ok(fit.optimizer.totalEvaluations > fit.optimizer.evaluations, 'derivative checks evaluate too');
  assert.equal(fit.derivatives?.gradient.length, 3);
});

test('Dyestuff2 is singular: θ snapped to 0, lme4 message, SD 0', (t) => {
  const table = loadData('Dyestuff2');
  if (!table) return t.skip('no Dyestuff2 data');
  const fit = fitLmer(handSpec(table, handModelFor('Yield ~ 1 + (1 | Batch)')!));
  assert.equal(fit.theta[0], 0);
  assert.equal(fit.singular, true);
  assert.deepEqual(fit.messages, ["boundary (singular) fit: see help('isSingular')"]);
  assert.deepEqual(fit.warnings, []);
  assert.equal(fit.converged, true);
  assert.equal(fit.varcorr[0].sd[0], 0);
  assert.ok(fit.ranef[0].values.every((row) => row[0] === 0));
});

test('lme4 special start for (1|f) terms with distinct factors', (t) => {
  const table = loadData('Penicillin');
  if (!table) return t.skip('no Penicillin data');
  const spec = handSpec(table, handModelFor('diameter ~ 1 + (1 | plate) + (1 | sample)')!);
  const start = lmerStart(spec, new Float64Array([0, 0]));
  // √(var(group means) / (var(y) − Σ var(group means))), computed independently here.
  const y = spec.response.values;
  const v = spec.random.map((term) => {
    const means = term.levels.map((_, l) => {
      const ys = y.filter((_, i) => term.index[i] === l);
      return ys.reduce((s, x) => s + x, 0) / ys.length;
    });
    const ave = Array.from(y, (_, i) => means[term.index[i]]);
    const m = ave.reduce((s, x) => s + x, 0) / ave.length;
    return ave.reduce((s, x) => s + (x - m) ** 2, 0) / (ave.length - 1);
  });
  const my = y.reduce((s, x) => s + x, 0) / y.length;
  const vy = y.reduce((s, x) => s + (x - my) ** 2, 0) / (y.length - 1);
  const ve = vy - v[0] - v[1];
  assert.ok(Math.abs(start[0] - Math.sqrt(v[0] / ve)) < 1e-12);
  assert.ok(Math.abs(start[1] - Math.sqrt(v[1] / ve)) < 1e-12);
  // Not used when a term has a slope.
  const sleep = loadData('sleepstudy');
  if (sleep) {
    const s2 = handSpec(sleep, handModelFor('Reaction ~ Days + (Days | Subject)')!);
    assert.deepEqual([...lmerStart(s2, new Float64Array([0, -Infinity, 0]))], [1, 0, 1]);
  }
});

test('lmerFitToJson has exactly the DESIGN §9 keys, in order, with lme4 names', (t) => {
  const table = loadData('sleepstudy');
  if (!table) return t.skip('no sleepstudy data');
  const fit = fitLmer(handSpec(table, handModelFor('Reaction ~ Days + (Days | Subject)')!));
  const json = lmerFitToJson(fit);
  assert.deepEqual(Object.keys(json), [
    'formula', 'method', 'nobs', 'ngroups', 'criterion', 'logLik', 'fixef', 'se', 'vcov', 'sigma', 'theta',
    'varcorr', 'ranef', 'singular', 'converged', 'dropped', 'warnings',
  ]);
  assert.equal(json.formula, 'Reaction ~ Days + (Days | Subject)');
  assert.deepEqual(json.ngroups, { Subject: 18 });
  assert.deepEqual(Object.keys(json.fixef as object), ['(Intercept)', 'Days']);
  const vc = json.varcorr as { group: string; terms: string[]; sd: number[]; corr: number[][] }[];
  assert.equal(vc[0].group, 'Subject');
  assert.deepEqual(vc[0].terms, ['(Intercept)', 'Days']);
  const re = (json.ranef as Record<string, { levels: string[]; terms: string[]; values: number[][]; condsd: number[][] }>).Subject;
  assert.equal(re.levels[0], '308');
  assert.equal(re.values.length, 18);
  assert.equal(re.values[0].length, 2);
  assert.ok(Math.abs(re.values[0][0] - 2.259) < 1e-3 && Math.abs(re.values[1][0] + 40.399) < 1e-3);
  assert.ok(Math.abs(re.condsd[0][0] - 12.07) < 1e-2 && Math.abs(re.condsd[0][1] - 2.30) < 1e-2);
  // Round-trips through JSON.stringify (no typed arrays, no NaN).
  assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
});

test('second term on the same factor is named Subject.1 in VarCorr; ranef has both columns', (t) => {
  const table = loadData('sleepstudy');
  if (!table) return t.skip('no sleepstudy data');
  const fit = fitLmer(handSpec(table, handModelFor('Reaction ~ Days + (Days || Subject)')!));
  assert.deepEqual(fit.varcorr.map((v) => v.group), ['Subject', 'Subject.1']);
  assert.deepEqual(fit.ranef.map((r) => r.group), ['Subject']);
  assert.deepEqual(fit.ranef[0].terms, ['(Intercept)', 'Days']);
  assert.deepEqual(fit.ngroups, [{ group: 'Subject', levels: 18 }]);
});

test('bad input is refused with Lmer2JagsError', (t) => {
  const table = loadData('Dyestuff');
  if (!table) return t.skip('no Dyestuff data');
  const spec = handSpec(table, handModelFor('Yield ~ 1 + (1 | Batch)')!);
  assert.throws(() => fitLmer({ ...spec, random: [] }), Lmer2JagsError);
  const w = new Float64Array(spec.nobs).fill(1);
  w[3] = -1;
  assert.throws(() => fitLmer({ ...spec, weights: w }), (e: unknown) => e instanceof Lmer2JagsError && /weight/.test(e.message));
  const y = Float64Array.from(spec.response.values);
  y[0] = NaN;
  assert.throws(() => fitLmer({ ...spec, response: { ...spec.response, values: y } }), Lmer2JagsError);
  assert.throws(() => fitLmer(spec, { start: [-1] }), Lmer2JagsError);
  // A collinear fixed-effects column.
  const X = new Float64Array(spec.nobs * 2);
  X.fill(1, 0, spec.nobs);
  X.fill(2, spec.nobs);
  const collinear = {
    ...spec,
    fixed: { ...spec.fixed, X, columns: [...spec.fixed.columns, { name: 'two', span: { start: 0, end: 0 } }] },
  };
  assert.throws(() => fitLmer(collinear), (e: unknown) => e instanceof Lmer2JagsError && /rank deficient/.test(e.message));
});
