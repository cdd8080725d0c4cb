/**
 * The data and inits files convert writes are read by the real JAGS as we mean them: for
 * several fixture models, JAGS reads data.R and every inits file and writes back what it
 * read (`data to`, `parameters to` in a command script), and each variable comes back with
 * the same shape (`.Dim`), the same missing values and the same values to the 6 significant
 * digits JAGS prints. The models cover integer vectors (level indices, counts, whole-number
 * columns), rows dropped for missing values, weights and offsets, big and small exponents
 * (a response times 1e8, a column divided by 1e9), and inits with matrices and NA (the LKJ
 * block's partial correlations exist above the diagonal only).
 *
 * (That JAGS parses every digit we write, not just 6, is checked in rdump-write.test.ts.)
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readDataFile } from '../../src/data/read.js';
import { readRDump, type RDumpData } from '../../src/data/rdump.js';
import { formatCodaNumber } from '../../src/jags/coda.js';
import { runJags } from '../../src/jags/jags-cli.js';
import { convertModel, type ConvertOptions } from '../../src/jags/render.js';
import { writeConversion } from '../../src/jags/write.js';
import { buildModelSpec, type BuildOptions } from '../../src/model/build.js';
import { fixturePath } from '../helpers/fixtures.js';
import { FIXTURES, needsJags, tempDir } from './jags-run.js';

interface Case {
  readonly what: string;
  readonly formula: string;
  readonly data: string;
  readonly build?: BuildOptions;
  readonly options?: ConvertOptions;
}

const CASES: readonly Case[] = [
  { what: 'whole-number column, integer level indices', formula: 'Reaction ~ Days + (Days | Subject)', data: 'data/sleepstudy.csv' },
  { what: "the seed post's R dump", formula: 'y ~ x + (x | grp)', data: 'seed/datadump.R', options: { cov: 'independent', priors: 'seed' } },
  { what: 'rows with NA dropped, crossed factors', formula: 'y ~ x + x2 + (1 | g) + (1 | h)', data: 'data/sim_types.csv' },
  { what: 'big and small exponents', formula: 'I(y * 1e+08) ~ I(x / 1e+09) + (1 | g)', data: 'data/sim_types.csv' },
  { what: 'weights and a factor', formula: 'I(incidence/size) ~ factor(period) + (1 | herd)', data: 'data/cbpp.csv', build: { weights: 'size' } },
  { what: 'an offset', formula: 'y ~ x + (1 | g)', data: 'data/sim_types.csv', build: { offset: 'log_exposure' } },
  { what: 'nested factors (interaction levels)', formula: 'strength ~ 1 + (1 | batch/cask)', data: 'data/Pastes.csv' },
  { what: 'inits with matrices and NA (lkj, K = 3)', formula: 'y ~ x1 + x2 + (1 + x1 + x2 | subj)', data: 'data/sim_groups.csv', options: { cov: 'lkj' } },
  { what: 'inits with a Wishart matrix (offsets)', formula: 'y ~ x1 + x2 + (1 + x1 + x2 | subj)', data: 'data/sim_groups.csv', options: { cov: 'scaled-wishart', param: 'offsets' } },
];

/** Each variable of `ours` is in `jags` with the same shape, NAs and values at 6 digits. */
function assertSameAsJags(ours: RDumpData, jags: RDumpData, file: string): void {
  for (const [name, v] of ours) {
    if (name.startsWith('.RNG.')) continue;
    const back = jags.get(name);
    assert.ok(back, `${file}: JAGS did not read ${name}`);
    const dim = v.dim !== null && v.dim.length > 1 ? v.dim : null;
    const backDim = back.dim !== null && back.dim.length > 1 ? back.dim : null;
    assert.deepEqual(backDim, dim, `${file}: ${name} has the shape JAGS read`);
    assert.equal(back.values.length, v.values.length, `${file}: ${name} length`);
    const a = v.values as Float64Array;
    const b = back.values as Float64Array;
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(a[i])) assert.ok(Number.isNaN(b[i]), `${file}: ${name}[${i + 1}] is NA in ours, ${b[i]} in JAGS's`);
      else assert.equal(formatCodaNumber(b[i]), formatCodaNumber(a[i]), `${file}: ${name}[${i + 1}]`);
    }
  }
}

describe('JAGS reads back the data and inits convert writes (`data to`, `parameters to`)', { concurrency: 2 }, () => {
  for (const c of CASES) {
    it(`${c.what}: ${c.formula}`, needsJags, async () => {
      const spec = buildModelSpec(c.formula, await readDataFile(fixturePath(c.data)), c.build ?? {});
      const conv = convertModel(spec, { chains: 2, ...c.options });
      const { dir, cleanup } = tempDir();
      try {
        await writeConversion(dir, conv.files);
        const glm = /^load glm$/m.test(conv.files.get('run.cmd') as string) ? 'load glm\n' : '';
        writeFileSync(join(dir, 'back.cmd'), `${glm}model in "model.jags"\ndata in "data.R"\ncompile, nchains(2)\n`
          + 'parameters in "inits1.R", chain(1)\nparameters in "inits2.R", chain(2)\n'
          + 'data to "data-back.R"\nparameters to "inits1-back.R", chain(1)\nparameters to "inits2-back.R", chain(2)\nexit\n');
        await runJags(dir, { script: 'back.cmd' });
        const read = (f: string) => readRDump(readFileSync(join(dir, f), 'utf8'), f);
        const data = read('data.R');
        const dataBack = read('data-back.R');
        assertSameAsJags(data, dataBack, 'data.R');
        // JAGS holds exactly our data: nothing more, nothing less.
        assert.deepEqual([...dataBack.keys()].sort(), [...data.keys()].sort());
        assert.equal((data.get('n')?.values as Float64Array)[0], spec.nobs);
        for (const k of [1, 2]) {
          const inits = read(`inits${k}.R`);
          assertSameAsJags(inits, read(`inits${k}-back.R`), `inits${k}.R`);
        }
        if (c.options?.cov === 'lkj') {
          const u = read('inits1.R').get('u.subj');
          assert.ok(u && u.dim?.join('x') === '2x3' && Array.from(u.values as Float64Array).filter(Number.isNaN).length === 3, 'u.subj: NA below and on the diagonal');
        }
      } finally {
        cleanup();
      }
    });
  }
});

describe("JAGS's own dump of a data file (test/fixtures-jags, made by make.sh)", () => {
  it('reads back with our R-dump reader and equals data.R at 6 digits', () => {
    const data = readRDump(readFileSync(join(FIXTURES, 'data.R'), 'utf8'), 'data.R');
    const back = readRDump(readFileSync(join(FIXTURES, 'data-out.R'), 'utf8'), 'data-out.R');
    assertSameAsJags(data, back, 'data.R');
    // `data to` also writes the deterministic copy e[] of ev[] the model makes.
    assert.deepEqual([...back.keys()].sort(), [...data.keys(), 'e'].sort());
    assert.deepEqual(Array.from(back.get('e')?.values as Float64Array), Array.from(back.get('ev')?.values as Float64Array));
  });
});
