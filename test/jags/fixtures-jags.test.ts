/**
 * Every fixture model through convert and the real JAGS: each of the 77 formulas of
 * fixtures/parse and every lme4 model of fixtures/lmer (weights, offsets and ML fits
 * included) is converted with the default options, written, and sampled by `jags run.cmd`.
 * JAGS must run without error, and the posterior means of the fixed effects must lie within
 * 4 posterior SDs of lme4's fixef where fixtures/lmer has them; for formulas with no lme4
 * reference, within 8 posterior SDs of the least-squares stand-in (a loose check: it ignores
 * the grouping).
 *
 * Short runs keep this file within CI time: 2 chains, burn-in 500, 1000 iterations, two
 * models at a time; InstEval (73,421 rows, 4,128 group levels; JAGS does about 5 iterations a
 * second on it) gets 1 chain with burn-in 50 and 100 iterations.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readSamples, runJags, summarizeSamples } from '../../src/jags/jags-cli.js';
import { convertModel } from '../../src/jags/render.js';
import { startingValues } from '../../src/jags/start-values.js';
import { writeConversion } from '../../src/jags/write.js';
import { fixtureModels, fixtureSpec } from '../helpers/fixture-models.js';
import { loadFixtures } from '../helpers/fixtures.js';
import { HAVE_JAGS } from './jags-run.js';

const parse = loadFixtures<{ id: string }>('parse');
const cases = fixtureModels();

describe('every fixture model runs in the real JAGS and recovers lme4\'s fixed effects', { concurrency: 2 }, () => {
  it('covers all 77 parse fixtures and the lme4 models', () => {
    assert.equal(parse.length, 77);
    assert.ok(cases.filter((c) => c.fixef !== null).length >= 25, 'lme4 references');
  });
  for (const c of cases) {
    it(`${c.id}: ${c.formula}`, HAVE_JAGS ? {} : { skip: 'jags is not installed' }, async () => {
      const spec = await fixtureSpec(c);
      const big = spec.nobs > 20000;
      const conv = convertModel(spec, big ? { chains: 1, burnin: 50, iter: 100 } : { chains: 2, burnin: 500, iter: 1000 });
      const dir = mkdtempSync(join(tmpdir(), 'lmer2jags-fx-'));
      try {
        await writeConversion(dir, conv.files);
        await runJags(dir);
        const summary = summarizeSamples(readSamples(dir));
        const byName = new Map(summary.nodes.map((s) => [s.name, s]));
        // Every node names.json names has draws.
        for (const m of conv.monitors) {
          assert.ok(summary.nodes.some((s) => s.name === m || s.name.startsWith(`${m}[`)), `no draws for ${m}`);
        }
        const start = startingValues(spec);
        spec.fixed.columns.forEach((col, j) => {
          const s = byName.get(conv.names.fixef[col.name]);
          assert.ok(s && Number.isFinite(s.mean) && s.sd > 0, `${col.name}: no posterior`);
          const ref = c.fixef?.[col.name];
          if (c.fixef) {
            assert.ok(ref !== undefined, `lme4 has no fixef ${col.name}`);
            const z = (s.mean - ref) / s.sd;
            assert.ok(Math.abs(z) <= 4, `${col.name}: posterior mean ${s.mean} (sd ${s.sd}) vs lme4 ${ref}: z = ${z.toFixed(2)}`);
          } else {
            const d = Math.abs(s.mean - start.fixef[j]);
            assert.ok(d <= 8 * (s.sd + start.se[j]), `${col.name}: posterior mean ${s.mean} (sd ${s.sd}) vs least squares ${start.fixef[j]} (se ${start.se[j]})`);
          }
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
