/**
 * Every lme4 reference in fixtures/lmer/*.json (made by real lme4 1.1-31), fitted with our
 * lmer on the ModelSpec our own builder makes from the formula and the CSV.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDataFile } from '../../src/data/read.js';
import { buildModelSpec } from '../../src/model/build.js';
import { fixturesDir, lmerFixtureFiles } from './helpers.js';
import { checkAgainstReference, type LmerReference } from './reference.js';

const files = lmerFixtureFiles();

test('there are lme4 fixtures to check', () => assert.ok(files.length >= 20, `${files.length} fixtures`));

for (const file of files) {
  const ref = JSON.parse(readFileSync(file, 'utf8')) as LmerReference;
  test(`lme4 fixture ${ref.id}: ${ref.formula} (${ref.REML ? 'REML' : 'ML'})`, async (t) => {
    const dataFile = join(fixturesDir, ref.data);
    const options = {
      ...(ref.weights ? { weights: ref.weights } : {}),
      ...(ref.offsetArg ? { offset: ref.offsetArg } : {}),
    };
    const spec = buildModelSpec(ref.formula, await readDataFile(dataFile), options);
    const r = checkAgainstReference(spec, ref);
    if (r.note) t.diagnostic(r.note);
    assert.deepEqual(r.failures, [], `${ref.id}:\n  ${r.failures.join('\n  ')}`);
  });
}
