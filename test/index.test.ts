/**
 * The library API, through the package's public exports only (`import … from 'lmer2jags'`,
 * resolved by package.json's "exports"): read data, build the model, convert, write the
 * folder, run the real JAGS, read its samples and summarize them, as the CLI does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  buildModelSpec, CONVERT_DEFAULTS, convertModel, fitLmer, JAGS_MISSING, Lmer2JagsError, readCoda, readDataFile, readSamples,
  runBundledEngine, runJags, summarizeSamples, writeConversion, type JagsStage, type NamesJson,
} from 'lmer2jags';
import { fixturePath } from './helpers/fixtures.js';
import { needsJags } from './jags/jags-run.js';

/** lme4 1.1-31 (DESIGN §4): fixef of Reaction ~ Days + (Days | Subject). */
const LME4_FIXEF: Record<string, number> = { '(Intercept)': 251.40510, Days: 10.46729 };

describe('library API: convert -> write -> runJags -> readSamples -> summarizeSamples', () => {
  it('runs the sleepstudy model in JAGS and recovers lme4\'s fixed effects', needsJags, async () => {
    const table = await readDataFile(fixturePath('data/sleepstudy.csv'));
    const spec = buildModelSpec('Reaction ~ Days + (Days | Subject)', table);
    assert.equal(CONVERT_DEFAULTS.param, 'group-means');
    const conv = convertModel(spec, { chains: 2, burnin: 500, iter: 1000, thin: 2, cov: 'lkj', seed: 11 });
    const names: NamesJson = conv.names;
    const dir = mkdtempSync(join(tmpdir(), 'lmer2jags-api-'));
    try {
      const written = await writeConversion(dir, conv.files);
      assert.deepEqual(readdirSync(dir).sort(), written.map((p) => p.slice(dir.length + 1)).sort());
      const stages: JagsStage[] = [];
      const run = await runJags(dir, { onStage: (s) => stages.push(s) });
      assert.ok(run.seconds > 0);
      assert.deepEqual(stages.map((s) => s.stage), ['reading', 'compiling', 'reading', 'reading', 'initializing', 'updating', 'updating', 'done']);
      assert.deepEqual(stages.filter((s) => s.stage === 'updating').map((s) => (s.stage === 'updating' ? s.iterations : 0)), [500, 1000]);
      const coda = readSamples(dir);
      const summary = summarizeSamples(coda);
      assert.equal(summary.chains, 2);
      // thin(2): every other iteration after the burn-in, numbered as JAGS counts them.
      assert.equal(summary.draws, 500);
      const its = Array.from(coda.chains[1].get(names.sigma)?.iterations ?? []);
      assert.equal(its.length, 500);
      assert.ok(its[0] > 500 && its[0] <= 502 && its.every((v, k) => k === 0 || v - its[k - 1] === 2), `iterations ${its.slice(0, 3).join(', ')}, …`);
      for (const [col, ref] of Object.entries(LME4_FIXEF)) {
        const s = summary.nodes.find((n) => n.name === names.fixef[col]);
        assert.ok(s, `${col}: ${names.fixef[col]} summarized`);
        assert.ok(Math.abs(s.mean - ref) <= 4 * s.sd, `${col}: ${s.mean} (sd ${s.sd}) vs lme4 ${ref}`);
        assert.ok(s.q2_5 < s.q50 && s.q50 < s.q97_5 && s.rhat < 1.1 && s.essBulk > 50 && s.essTail > 50 && s.mcse > 0);
      }
      const rho = summary.nodes.find((n) => n.name === names.varcorr[0].corr[0][1]);
      assert.ok(rho && rho.mean > -1 && rho.mean < 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports bad input as Lmer2JagsError: an occupied folder, a missing folder, no jags', async () => {
    const spec = buildModelSpec('Reaction ~ Days + (Days | Subject)', await readDataFile(fixturePath('data/sleepstudy.csv')));
    const conv = convertModel(spec, { chains: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'lmer2jags-api-'));
    try {
      await writeConversion(dir, conv.files);
      await assert.rejects(writeConversion(dir, conv.files), (e: unknown) => e instanceof Lmer2JagsError && /already holds a conversion/.test(e.message));
      await assert.rejects(runJags(join(dir, 'missing')), (e: unknown) => e instanceof Lmer2JagsError && /does not exist/.test(e.message));
      await assert.rejects(runJags(dir, { command: join(dir, 'no-such-jags') }), (e: unknown) => e instanceof Lmer2JagsError && e.message === JAGS_MISSING);
      assert.throws(() => readSamples(dir), (e: unknown) => e instanceof Lmer2JagsError && /CODAindex\.txt is missing/.test(e.message));
      assert.throws(() => convertModel(spec, { chains: 0 }), Lmer2JagsError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('library API: convert -> write -> runBundledEngine -> summarizeSamples', () => {
  it('samples the sleepstudy model with the bundled engine, and hands back exactly what it wrote', async () => {
    const spec = buildModelSpec('Reaction ~ Days + (Days | Subject)', await readDataFile(fixturePath('data/sleepstudy.csv')));
    const fit = fitLmer(spec);
    const conv = convertModel(spec, { chains: 2, burnin: 500, iter: 2000, seed: 5 });
    const dir = mkdtempSync(join(tmpdir(), 'lmer2jags-api-'));
    try {
      await writeConversion(dir, conv.files);
      const progress: number[] = [];
      const result = await runBundledEngine(dir, { threads: 2, onProgress: (done, total) => progress.push(done / total) });
      assert.ok(result);
      assert.equal(result.stem, 'CODA');
      assert.equal(progress.at(-1), 1);
      // The draws it returns are the files' contents, as readCoda reads them back.
      const back = readCoda(join(dir, 'CODA'));
      assert.deepEqual(result.coda.names, back.names);
      for (const name of [conv.names.sigma, ...Object.values(conv.names.fixef)]) {
        assert.deepEqual(Array.from(result.coda.chains[1].get(name)!.values), Array.from(back.chains[1].get(name)!.values), name);
      }
      const summary = summarizeSamples(result.coda);
      assert.equal(summary.chains, 2);
      assert.equal(summary.draws, 2000);
      for (const [col, node] of Object.entries(conv.names.fixef)) {
        const s = summary.nodes.find((n) => n.name === node)!;
        assert.ok(Math.abs(s.mean - fit.fixef[fit.fixefNames.indexOf(col)]) <= 4 * s.sd, `${col}: ${s.mean} (sd ${s.sd})`);
        assert.ok(s.rhat < 1.05 && s.essBulk > 400, `${col}: R-hat ${s.rhat}, ESS ${s.essBulk}`);
      }
      await assert.rejects(runBundledEngine(join(dir, 'missing')), (e: unknown) => e instanceof Lmer2JagsError && /does not exist/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
