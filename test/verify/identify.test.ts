import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDataFile } from '../../src/data/read.js';
import { buildModelSpec } from '../../src/model/build.js';
import { redundantTerms } from '../../src/verify/identify.js';
import { fixturePath } from '../helpers/fixtures.js';

describe('which random-effect coefficients the data identify', () => {
  it('(cond || subj) with a factor: the intercept is the sum of the indicators, so the three cell effects are what is identified', async () => {
    const spec = buildModelSpec('y ~ x1 + cond + (cond || subj)', await readDataFile(fixturePath('data/sim_groups.csv')));
    const r = redundantTerms(spec);
    assert.equal(r.length, 1);
    assert.equal(r[0].factor, 'subj');
    assert.deepEqual(r[0].groups, ['subj', 'subj.1']);
    assert.deepEqual(r[0].combos.map((c) => c.label).sort(), ['(Intercept) + condctl', '(Intercept) + condhi', '(Intercept) + condlo']);
    for (const c of r[0].combos) assert.equal(c.weights.length, 4);
    assert.match(r[0].why, /\(1 \| subj\) and \(0 \+ cond \| subj\) are linearly dependent \(rank 3\)/);
  });
  it('two intercepts on one factor are one identified intercept', async () => {
    const spec = buildModelSpec('Reaction ~ Days + (Days | Subject) + (1 | Subject)', await readDataFile(fixturePath('data/sleepstudy.csv')));
    const r = redundantTerms(spec);
    assert.equal(r.length, 1);
    assert.equal(r[0].combos.length, 2);
    assert.match(r[0].combos[0].label, /\(Intercept\) \[Subject\] \+ \(Intercept\) \[Subject\.1\]/);
  });
  it('crossed factors, (x || g) with a numeric x and single terms are identified', async () => {
    const groups = await readDataFile(fixturePath('data/sim_groups.csv'));
    const sleep = await readDataFile(fixturePath('data/sleepstudy.csv'));
    assert.deepEqual(redundantTerms(buildModelSpec('y ~ x1 + (1 | site) + (1 | rater)', groups)), []);
    assert.deepEqual(redundantTerms(buildModelSpec('Reaction ~ Days + (Days || Subject)', sleep)), []);
    assert.deepEqual(redundantTerms(buildModelSpec('y ~ x1 + x2 + (1 + x1 + x2 | subj)', groups)), []);
  });
});
