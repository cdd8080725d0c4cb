/**
 * The seed post's model, as a golden test: `convert "y ~ x + (x | grp)" --priors seed --cov
 * independent --param group-means` on the post's own data (fixtures/seed/datadump.R) must
 * give the model the post wrote by hand (fixtures/seed/model.jags, verbatim): the same
 * relations with the same constants, under a renaming of the nodes. The comparison parses
 * both with the bundled BUGS grammar (test/jags/bugs-structure.ts): comments, layout, the
 * order of relations and the way loops are split do not count; everything else does.
 *
 * The command file is compared with the post's (fixtures/seed/control.cmd) command by
 * command, and both models are run in the real JAGS with the same data, inits and seed.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readDataFile } from '../../src/data/read.js';
import { readRDump } from '../../src/data/rdump.js';
import { readCoda } from '../../src/jags/coda.js';
import { runJags, summarizeSamples } from '../../src/jags/jags-cli.js';
import type { NamesJson } from '../../src/jags/names.js';
import { convertModel, type ConvertOptions } from '../../src/jags/render.js';
import { writeConversion } from '../../src/jags/write.js';
import { buildModelSpec } from '../../src/model/build.js';
import { fixturePath } from '../helpers/fixtures.js';
import { flattenModel, matchModels, Renaming } from './bugs-structure.js';
import { needsJags, tempDir } from './jags-run.js';

const POST_MODEL = fixturePath('seed/model.jags');
const POST_CONTROL = fixturePath('seed/control.cmd');
const POST_DATA = fixturePath('seed/datadump.R');

/**
 * The post's names for lmer's quantities, as its text pairs them: fixef(lmer.y) with the
 * posterior means of mu.a and mu.b, ranef + fixef with a and b, the residual SD sigma.y and
 * the group-level SDs sigma.a and sigma.b.
 */
const POST_NAMES = {
  fixef: { '(Intercept)': 'mu.a', x: 'mu.b' } as Record<string, string>,
  sigma: 'sigma.y',
  sd: ['sigma.a', 'sigma.b'],
  ranef: ['a', 'b'],
};

const SEED_OPTIONS: ConvertOptions = { priors: 'seed', cov: 'independent', param: 'group-means', chains: 1, burnin: 1000, iter: 5000 };

async function seedConversion(options: ConvertOptions = SEED_OPTIONS) {
  const spec = buildModelSpec('y ~ x + (x | grp)', await readDataFile(POST_DATA));
  return convertModel(spec, options);
}

/** Our names → the post's: names.json's roles, and the data variables matched by their values. */
function startingPairs(names: NamesJson, ourData: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [col, node] of Object.entries(names.fixef)) pairs.push([node, POST_NAMES.fixef[col]]);
  pairs.push([names.sigma, POST_NAMES.sigma]);
  names.varcorr[0].sd.forEach((s, k) => pairs.push([s, POST_NAMES.sd[k]]));
  names.ranef.grp.nodes.forEach((n, k) => pairs.push([n.replace(/\[\{j\}\]$/, ''), POST_NAMES.ranef[k]]));
  const ours = readRDump(ourData, 'data.R');
  const theirs = readRDump(readFileSync(POST_DATA, 'utf8'), POST_DATA);
  for (const [name, v] of ours) {
    const same = [...theirs].filter(([, w]) => w.values.length === v.values.length && Array.from(v.values as Float64Array).every((x, i) => x === (w.values as Float64Array)[i]));
    assert.equal(same.length, 1, `data variable ${name}: ${same.length} variables of the post's datadump.R have its values`);
    pairs.push([name, same[0][0]]);
  }
  return pairs;
}

/** A command file as a list of commands: comments and blank lines dropped, spaces normalised. */
function commands(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/#.*$/, '').trim().replace(/\s+/g, ' ')).filter((l) => l !== '');
}

describe('--priors seed --cov independent gives the seed post\'s model', () => {
  it('the same relations and constants as fixtures/seed/model.jags, up to renaming', async () => {
    const conv = await seedConversion();
    const ours = flattenModel(conv.files.get('model.jags') as string, 'model.jags');
    const post = flattenModel(readFileSync(POST_MODEL, 'utf8'), POST_MODEL);
    assert.equal(ours.length, 12, 'the post has 12 relations: 2 in the likelihood loop, 2 in the group loop, 8 outside');
    const m = matchModels(ours, post, Renaming.from(startingPairs(conv.names, conv.files.get('data.R') as string)));
    assert.ok(m.same, `relations of ours without a partner:\n  ${m.unmatchedA.join('\n  ')}\nrelations of the post without a partner:\n  ${m.unmatchedB.join('\n  ')}`);
    assert.equal(post.length, ours.length);
    // Every name of either model is paired (the renaming covers both).
    const postNames = new Set<string>();
    for (const line of readFileSync(POST_MODEL, 'utf8').matchAll(/[A-Za-z][A-Za-z0-9._]*/g)) postNames.add(line[0]);
    for (const fn of ['model', 'for', 'in', 'i', 'j', 'dnorm', 'dunif']) postNames.delete(fn);
    assert.deepEqual([...m.renaming.backward.keys()].sort(), [...postNames].sort());
  });

  it('the comparison is not vacuous: the auto priors, another parameterization or a correlation do not match', async () => {
    const post = flattenModel(readFileSync(POST_MODEL, 'utf8'), POST_MODEL);
    for (const [opts, expectUnmatched] of [
      [{ ...SEED_OPTIONS, priors: 'auto' }, /mu\.a ~ dnorm\(0, [0-9.e-]+\)/],
      [{ ...SEED_OPTIONS, param: 'offsets' }, /^a\[j\] ~ dnorm\(0, tau\.a\)$/],
      [{ ...SEED_OPTIONS, cov: 'uniform-rho' }, /dmnorm/],
    ] as const) {
      const conv = await seedConversion(opts);
      const ours = flattenModel(conv.files.get('model.jags') as string, 'model.jags');
      const pairs = startingPairs(conv.names, conv.files.get('data.R') as string).filter(([a]) => a !== 'beta.Intercept' && a !== 'beta.x');
      const m = matchModels(ours, post, Renaming.from(pairs));
      assert.equal(m.same, false, JSON.stringify(opts));
      assert.ok(m.unmatchedA.some((t) => expectUnmatched.test(t)), `${JSON.stringify(opts)}: ${m.unmatchedA.join(' / ')}`);
    }
  });

  it("run.cmd follows the post's control.cmd command by command", async () => {
    const conv = await seedConversion();
    const ours = commands(conv.files.get('run.cmd') as string);
    const post = commands(readFileSync(POST_CONTROL, 'utf8'));
    // Ours sets each chain's inits (seeds, starting values) right after compile; the post
    // lets JAGS pick them.
    const inits = ours.filter((c) => c.startsWith('parameters in '));
    assert.deepEqual(inits, ['parameters in "inits1.R", chain(1)']);
    assert.equal(ours.indexOf(inits[0]), ours.indexOf('compile, nchains(1)') + 1);
    const files = (c: string) => c.replace(/^model in ".*"$/, 'model in MODEL').replace(/^data in ".*"$/, 'data in DATA');
    const rest = ours.filter((c) => !c.startsWith('parameters in ')).map(files);
    const monitors = (cs: string[]) => cs.filter((c) => c.startsWith('monitor ')).map((c) => c.slice('monitor '.length));
    const others = (cs: string[]) => cs.filter((c) => !c.startsWith('monitor '));
    assert.deepEqual(others(rest), others(post.map(files)));
    assert.deepEqual(others(rest), ['model in MODEL', 'data in DATA', 'compile, nchains(1)', 'initialize', 'update 1000', 'update 5000', 'coda *', 'exit']);
    // The same nodes are monitored (the names coincide with the post's), between the two updates.
    assert.deepEqual(monitors(rest).sort(), monitors(post).sort());
    const firstMonitor = rest.findIndex((c) => c.startsWith('monitor '));
    assert.equal(rest[firstMonitor - 1], 'update 1000');
    assert.equal(rest[firstMonitor + monitors(rest).length], 'update 5000');
  });

  it("JAGS draws exactly the same chain from our model and the post's, given the same data, inits and seed", needsJags, async () => {
    const conv = await seedConversion();
    const { dir, cleanup } = tempDir();
    try {
      await writeConversion(dir, conv.files);
      // The post's model, verbatim, under the name its control.cmd gives it.
      copyFileSync(POST_MODEL, join(dir, 'model.R'));
      writeFileSync(join(dir, 'post.cmd'), (conv.files.get('run.cmd') as string).replace('model in "model.jags"', 'model in "model.R"').replace(/^coda \*$/m, 'coda *, stem("POST")'));
      await runJags(dir);
      copyFileSync(join(dir, 'CODAchain1.txt'), join(dir, 'OURSchain1.txt'));
      copyFileSync(join(dir, 'CODAindex.txt'), join(dir, 'OURSindex.txt'));
      await runJags(dir, { script: 'post.cmd' });
      assert.equal(readFileSync(join(dir, 'POSTindex.txt'), 'utf8'), readFileSync(join(dir, 'OURSindex.txt'), 'utf8'));
      assert.equal(readFileSync(join(dir, 'POSTchain1.txt'), 'utf8'), readFileSync(join(dir, 'OURSchain1.txt'), 'utf8'),
        'JAGS builds the same graph with the same samplers from both models, so the same seed gives the same draws');
      // And the draws reproduce the post's figures (DESIGN §5): posterior means 0.6579 and
      // -0.0210, SDs 0.0992 and 0.1189, up to Monte Carlo error (MCSE of our run for the
      // mean, for theirs too; 10% for the SDs).
      const s = summarizeSamples(readCoda(join(dir, 'OURS')));
      const byName = new Map(s.nodes.map((n) => [n.name, n]));
      for (const [node, mean, sd] of [['mu.a', 0.6579, 0.0992], ['mu.b', -0.021, 0.1189]] as const) {
        const n = byName.get(node);
        assert.ok(n);
        assert.ok(Math.abs(n.mean - mean) <= 4 * Math.SQRT2 * n.mcse + 5e-5, `${node}: mean ${n.mean} vs the post's ${mean} (mcse ${n.mcse})`);
        assert.ok(Math.abs(n.sd / sd - 1) < 0.1, `${node}: sd ${n.sd} vs the post's ${sd}`);
      }
    } finally {
      cleanup();
    }
  });
});
