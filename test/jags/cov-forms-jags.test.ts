/**
 * Every --param × --cov choice through the real JAGS, on three models with a two- or a
 * three-coefficient correlated term (crossed factors with a scalar term run in
 * fixtures-jags.test.ts with the defaults; their text for every choice is a golden file).
 * JAGS must run the converted folder without error, every node names.json names has draws, SDs are positive,
 * correlations lie in [-1, 1] (a correlation matrix has a unit diagonal and is symmetric), and
 * the posterior means of the fixed effects lie within 4 posterior SDs of lme4's fixef
 * (fixtures/lmer). --cov uniform-rho on the three-coefficient term is refused instead.
 *
 * The LKJ prior is checked on its own too: without data, the correlations it gives must have
 * the LKJ marginal Beta(η - 1 + K/2, η - 1 + K/2) on (-1, 1), for K = 2, 3 and 4.
 *
 * Short chains (2 × 600 after 300) keep this within CI time; these are structural checks.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readDataFile } from '../../src/data/read.js';
import { readCoda } from '../../src/jags/coda.js';
import { readSamples, runJags, summarizeSamples } from '../../src/jags/jags-cli.js';
import { COVARIANCE_FORMS, PARAMETERIZATIONS, type CovarianceForm, type Parameterization } from '../../src/jags/names.js';
import { lkjShapes } from '../../src/jags/priors.js';
import { convertModel, renderTemplate } from '../../src/jags/render.js';
import { writeConversion } from '../../src/jags/write.js';
import { buildModelSpec } from '../../src/model/build.js';
import { fixturePath, loadFixtures } from '../helpers/fixtures.js';
import { needsJags, tempDir } from './jags-run.js';

interface LmerFixture {
  id: string;
  formula: string;
  data: string;
  fixef: Record<string, number>;
}

const lmer = new Map(loadFixtures<LmerFixture>('lmer').map((f) => [f.id, f]));
/** Fixture ids: K = 2 (sleepstudy, the seed) and K = 3 (1 + x1 + x2 | subj). */
const CASES = ['sleepstudy-slope', 'seed', 'groups-corr3'];

describe('every --param and --cov runs in the real JAGS and recovers lme4\'s fixed effects', { concurrency: 2 }, () => {
  for (const id of CASES) {
    for (const param of PARAMETERIZATIONS) {
      for (const cov of COVARIANCE_FORMS) {
        it(`${id} --param ${param} --cov ${cov}`, needsJags, async () => runCase(id, param, cov));
      }
    }
  }
});

async function runCase(id: string, param: Parameterization, cov: CovarianceForm): Promise<void> {
  const fx = lmer.get(id);
  assert.ok(fx, `fixture ${id}`);
  const spec = buildModelSpec(fx.formula, await readDataFile(fixturePath(fx.data)));
  const K = Math.max(...spec.random.map((t) => t.columns.length));
  if (cov === 'uniform-rho' && K > 2) {
    assert.throws(() => convertModel(spec, { param, cov }), /--cov uniform-rho handles terms with two coefficients/);
    return;
  }
  const conv = convertModel(spec, { param, cov, chains: 2, burnin: 300, iter: 600, seed: 3 });
  const { dir, cleanup } = tempDir();
  try {
    await writeConversion(dir, conv.files);
    await runJags(dir);
    const summary = summarizeSamples(readSamples(dir));
    const byName = new Map(summary.nodes.map((s) => [s.name, s]));
    assert.equal(summary.chains, 2);
    assert.equal(summary.draws, 600);
    for (const m of conv.monitors) assert.ok(summary.nodes.some((s) => s.name === m || s.name.startsWith(`${m}[`)), `no draws for ${m}`);
    const coda = readSamples(dir);
    const draws = (name: string) => coda.chains.flatMap((c) => Array.from(c.get(name)?.values ?? []));
    for (const vc of conv.names.varcorr) {
      for (const sd of vc.sd) assert.ok(draws(sd).every((v) => v > 0), `${sd} > 0`);
      vc.corr.forEach((row, k) => row.forEach((node, l) => {
        if (node === null) return;
        const d = draws(node);
        assert.ok(d.length === 1200 && d.every((v) => v >= -1 && v <= 1), `${node} in [-1, 1]`);
        const back = vc.corr[l][k];
        assert.ok(back !== null);
        assert.deepEqual(draws(back), d, `${node} and ${back} are one correlation`);
      }));
      // A correlation matrix node (K >= 3) has a unit diagonal.
      const matrix = vc.corr.flat().find((n) => n !== null && n.includes('['));
      if (matrix) {
        const base = matrix.replace(/\[.*$/, '');
        for (let k = 1; k <= vc.terms.length; k++) assert.ok(draws(`${base}[${k},${k}]`).every((v) => Math.abs(v - 1) < 1e-5), `${base}[${k},${k}] = 1`);
      }
    }
    for (const col of spec.fixed.columns) {
      const s = byName.get(conv.names.fixef[col.name]);
      assert.ok(s && Number.isFinite(s.mean) && s.sd > 0, `${col.name}: no posterior`);
      const ref = fx.fixef[col.name];
      const z = (s.mean - ref) / s.sd;
      assert.ok(Math.abs(z) <= 4, `${col.name}: posterior mean ${s.mean} (sd ${s.sd}) vs lme4 ${ref}: z = ${z.toFixed(2)}`);
    }
  } finally {
    cleanup();
  }
}

describe('the LKJ construction in plain BUGS has the LKJ marginals', { concurrency: 2 }, () => {
  for (const [K, eta] of [[2, 1], [3, 1], [3, 2], [4, 0.5]] as const) {
    it(`K = ${K}, eta = ${eta}: every correlation is Beta(eta - 1 + K/2, same) on (-1, 1)`, needsJags, async () => {
      const block = renderTemplate('lkj.ejs', {
        K,
        eta: String(eta),
        shapes: lkjShapes(K, eta).map((s, i) => ({ k: i + 1, shape: String(s) })),
        u: 'u',
        z: 'z',
        L: 'L',
        corr: 'R',
      });
      const { dir, cleanup } = tempDir();
      try {
        writeFileSync(join(dir, 'model.jags'), `model {\n${block}}\n`);
        writeFileSync(join(dir, 'inits1.R'), '".RNG.name" <- "base::Mersenne-Twister"\n".RNG.seed" <- 11L\n');
        const n = 20000;
        writeFileSync(join(dir, 'run.cmd'), `model in "model.jags"\ncompile, nchains(1)\nparameters in "inits1.R", chain(1)\ninitialize\nupdate 100\nmonitor R\nupdate ${n}\ncoda *\nexit\n`);
        await runJags(dir);
        {
          const coda = readCoda(join(dir, 'CODA'));
          const a = eta - 1 + K / 2;
          // Beta(a, a) on (-1, 1): mean 0, variance 1 / (2a + 1), fourth moment 3 / ((2a + 1)(2a + 3)).
          const variance = 1 / (2 * a + 1);
          const fourth = 3 / ((2 * a + 1) * (2 * a + 3));
          for (let k = 1; k <= K; k++) {
            for (let l = k + 1; l <= K; l++) {
              const d = coda.chains[0].get(`R[${k},${l}]`)?.values;
              assert.ok(d && d.length === n, `R[${k},${l}]`);
              const mean = d.reduce((s, v) => s + v, 0) / n;
              const m2 = d.reduce((s, v) => s + v * v, 0) / n;
              const m4 = d.reduce((s, v) => s + v ** 4, 0) / n;
              // Independent draws (every node is sampled from its prior): 5 standard errors.
              assert.ok(Math.abs(mean) < 5 * Math.sqrt(variance / n), `R[${k},${l}] mean ${mean}`);
              assert.ok(Math.abs(m2 - variance) < 5 * Math.sqrt((fourth - variance ** 2) / n) + 0.01 * variance, `R[${k},${l}] variance ${m2}, LKJ ${variance}`);
              assert.ok(Math.abs(m4 - fourth) < 0.1 * fourth, `R[${k},${l}] fourth moment ${m4}, LKJ ${fourth}`);
            }
          }
        }
      } finally {
        cleanup();
      }
    });
  }
});
