/**
 * The generated model text of every --param × --cov choice on four fixture models, compared
 * with the golden files under test/golden/models (cases.ts says which). A difference fails
 * with the diff; if the change is intended, `npm run golden` rewrites the files.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COVARIANCE_FORMS, PARAMETERIZATIONS } from '../../src/jags/names.js';
import { GOLDEN_CASES, GOLDEN_DIR, generateGoldens, storedGoldenFolders } from './cases.js';
import { lineDiff } from './diff.js';

const REGENERATE = 'if the change is intended, run `npm run golden` and review `git diff test/golden`';

const goldens = await generateGoldens();

describe('golden files: model.jags and names.json for every --param and --cov', () => {
  it('covers every choice on every case, and no golden folder is stale', () => {
    assert.equal(goldens.size, GOLDEN_CASES.length * PARAMETERIZATIONS.length * COVARIANCE_FORMS.length);
    assert.deepEqual(storedGoldenFolders(), [...goldens.keys()].sort(), `the golden folders on disk differ from the cases: ${REGENERATE}`);
    // Only the three-coefficient case refuses anything (uniform-rho takes two coefficients).
    const refused = [...goldens].filter(([, files]) => files.has('refused.txt')).map(([k]) => k);
    assert.deepEqual(refused, ['three-coefficients/group-means.uniform-rho', 'three-coefficients/offsets.uniform-rho']);
  });
  for (const [folder, files] of goldens) {
    it(folder, () => {
      const dir = join(GOLDEN_DIR, folder);
      let stored: string[] = [];
      try {
        stored = readdirSync(dir).sort();
      } catch {
        assert.fail(`no golden folder ${dir}: ${REGENERATE}`);
      }
      assert.deepEqual(stored, [...files.keys()].sort(), `files in ${dir}: ${REGENERATE}`);
      for (const [name, text] of files) {
        const golden = readFileSync(join(dir, name), 'utf8');
        if (golden !== text) assert.fail(`${folder}/${name} differs from its golden file (- golden, + generated):\n${lineDiff(golden, text)}\n${REGENERATE}`);
      }
    });
  }
});

describe('lineDiff', () => {
  it('shows changed lines with context and their line numbers', () => {
    const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n');
    const b = ['a', 'b', 'c', 'D', 'e', 'f', 'g', 'h', 'i', 'j', 'k'].join('\n');
    assert.equal(lineDiff(a, a), '');
    assert.equal(lineDiff(a, b, 1), '@@ golden line 3, generated line 3 @@\n c\n-d\n+D\n e\n@@ golden line 10, generated line 10 @@\n j\n+k');
    assert.equal(lineDiff('x\ny', 'y'), '@@ golden line 1, generated line 1 @@\n-x\n y');
  });
});
