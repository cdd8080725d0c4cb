/**
 * What convert writes, file by file, without running JAGS: model.jags (parses as BUGS, a
 * comment over each block naming its lmer term, node names JAGS accepts, every prior constant
 * commented), data.R (the R-dump dialect JAGS reads), one inits file per chain (its own
 * .RNG.seed derived from --seed, dispersed starting values), run.cmd (the seed post's command
 * order, every names.json node monitored) and names.json (the issue's shape, lme4's names and
 * level order). Checked on every fixture model and every --param × --cov choice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Relation } from '../../src/bugs/ast.js';
import { parseModel } from '../../src/bugs/parse.js';
import { readDataFile } from '../../src/data/read.js';
import { readRDump } from '../../src/data/rdump.js';
import type { DataTable } from '../../src/data/table.js';
import { Lmer2JagsError } from '../../src/errors.js';
import { COVARIANCE_FORMS, PARAMETERIZATIONS, sanitizeName } from '../../src/jags/names.js';
import { chainSeed, convertModel, MAX_JAGS_ITERATIONS, resolveOptions, type ConvertOptions } from '../../src/jags/render.js';
import { buildModelSpec, type BuildOptions } from '../../src/model/build.js';
import type { ModelSpec } from '../../src/model/spec.js';
import { fixturePath, loadFixtures } from '../helpers/fixtures.js';

interface Fixture {
  id: string;
  formula: string;
  data: string;
  weights?: string | null;
  offsetArg?: string | null;
}
interface LmerFixture extends Fixture {
  varcorr: { group: string; terms: string[] }[];
  ranef: Record<string, { levels: string[]; truncated: boolean; nlevels: number; terms: string[] }>;
  fixef: Record<string, number>;
}

const tables = new Map<string, Promise<DataTable>>();
function table(rel: string): Promise<DataTable> {
  if (!tables.has(rel)) tables.set(rel, readDataFile(fixturePath(rel)));
  return tables.get(rel) as Promise<DataTable>;
}
async function specOf(f: Fixture): Promise<ModelSpec> {
  const build: BuildOptions = { ...(f.weights ? { weights: f.weights } : {}), ...(f.offsetArg ? { offset: f.offsetArg } : {}) };
  return buildModelSpec(f.formula, await table(f.data), build);
}

const parseFixtures = loadFixtures<Fixture>('parse').filter((f) => !f.data.includes('InstEval'));
const lmerFixtures = loadFixtures<LmerFixture>('lmer').filter((f) => !f.data.includes('InstEval'));
const CHOICES: ConvertOptions[] = PARAMETERIZATIONS.flatMap((param) => COVARIANCE_FORMS.map((cov) => ({ param, cov })));

function convertAll(spec: ModelSpec, extra: ConvertOptions = {}) {
  const out = [];
  for (const choice of CHOICES) {
    if (choice.cov === 'uniform-rho' && spec.random.some((t) => t.columns.length > 2)) continue;
    out.push({ choice, conv: convertModel(spec, { ...choice, chains: 2, ...extra }) });
  }
  return out;
}

function relations(rels: readonly Relation[]): Relation[] {
  return rels.flatMap((r) => (r.kind === 'for' ? relations(r.body) : [r]));
}

const JAGS_NAME = /^[A-Za-z][A-Za-z0-9._]*$/;

describe('model.jags', () => {
  it('parses as BUGS, names JAGS accepts, a comment on every prior constant, for every fixture and choice', async () => {
    let models = 0;
    for (const f of [...parseFixtures, ...lmerFixtures]) {
      const spec = await specOf(f);
      for (const { choice, conv } of convertAll(spec)) {
        const text = conv.files.get('model.jags') as string;
        const where = `${f.id} ${JSON.stringify(choice)}`;
        const model = parseModel(text, 'model.jags');
        for (const r of relations(model.relations)) {
          if (r.kind === 'for') continue;
          assert.match(r.lhs.name, JAGS_NAME, where);
        }
        // A line that draws from a distribution with a number in it says where that number came from.
        for (const line of text.split('\n')) {
          if (/~ d(norm|unif|beta)\(/.test(line) && /\(.*\d.*\)/.test(line.replace(/\[[^\]]*\]/g, ''))) {
            const code = line.replace(/#.*$/, '');
            if (/\(\s*[-\d.e+]+\s*,\s*[-\d.e+]+\s*\)/.test(code)) assert.match(line, /#\s*\S+/, `${where}: no comment on\n${line}`);
          }
          if (/^\s*R\.[^[]+\[(\d+), \1\] <- [\d.e+-]+/.test(line)) assert.match(line, /#\s*\(sd\(|# identity/, `${where}: Wishart scale without its source:\n${line}`);
        }
        models++;
      }
    }
    assert.ok(models > 500, `${models} models`);
  });

  it('a comment over each random-term block names its lmer term and what its nodes are', async () => {
    for (const f of lmerFixtures) {
      const spec = await specOf(f);
      for (const { choice, conv } of convertAll(spec)) {
        const text = conv.files.get('model.jags') as string;
        const lines = text.split('\n');
        for (const [t, term] of spec.random.entries()) {
          const head = lines.findIndex((l) => l.startsWith(`  # Random term (${term.label})`));
          assert.ok(head > 0, `${f.id} ${JSON.stringify(choice)}: no comment for (${term.label})`);
          // The comment runs until the loop over the term's levels, and says which node is what.
          const end = lines.findIndex((l, k) => k > head && l.startsWith('  for (j in 1:'));
          const comment = lines.slice(head, end).map((l) => l.replace(/^\s*#\s?/, '')).join(' ');
          const vc = conv.names.varcorr[t];
          for (const sd of vc.sd) assert.ok(comment.includes(sd), `${f.id}: ${sd} explained`);
          assert.match(comment, /VarCorr SD/);
          if (choice.param === 'group-means' && Object.values(conv.names.fixef).some((n) => comment.includes(n))) assert.match(comment, /fixef \+ ranef/);
        }
        assert.match(text, /# Likelihood: /);
        assert.match(text, /# Residual SD \(lmer's sigma\)/);
        assert.match(text, /^# Parameterization: /m);
        if (choice.param === 'offsets' || Object.values(conv.names.fixef).some((n) => n.startsWith('beta.'))) assert.match(text, /# Fixed effects /);
      }
    }
  });

  it('node names come from the variables and the grouping factors, sanitised for JAGS', async () => {
    const two = await specOf({ id: 'two', formula: 'Reaction ~ Days + (1 | Subject) + (0 + Days | Subject)', data: 'data/sleepstudy.csv' });
    const n2 = convertModel(two).names;
    assert.deepEqual(n2.fixef, { '(Intercept)': 'mu.a.Subject', Days: 'mu.b.Subject.1' });
    assert.deepEqual(n2.varcorr.map((v) => v.sd), [['sigma.a.Subject'], ['sigma.b.Subject.1']]);
    const three = await specOf({ id: 'three', formula: 'y ~ x1 + x2 + (1 + x1 + x2 | subj)', data: 'data/sim_groups.csv' });
    const n3 = convertModel(three, { param: 'offsets', cov: 'lkj' }).names;
    assert.deepEqual(n3.fixef, { '(Intercept)': 'beta.Intercept', x1: 'beta.x1', x2: 'beta.x2' });
    assert.deepEqual(n3.ranef.subj.nodes, ['a[{j}]', 'b.x1[{j}]', 'b.x2[{j}]']);
    assert.deepEqual(n3.varcorr[0].corr[0], [null, 'rho.subj[1,2]', 'rho.subj[1,3]']);
    const odd = await specOf({ id: 'odd', formula: 'y ~ x + f:x + `my var` + z.score + dose_mg + (1 | g)', data: 'data/sim_types.csv' });
    const model = convertModel(odd).files.get('model.jags') as string;
    assert.match(model, /beta\.my\.var \* my\.var\[i\]/);
    assert.match(model, /beta\.x\.fB \* x\.fB\[i\]/);
    assert.match(model, /beta\.dose_mg \* dose_mg\[i\]/);
    assert.deepEqual(
      ['(Intercept)', 'recipeB:temp', 'my var', 'poly(Days, 2)1', 'I(x/1e+09)', '`a b`', '1x', '..', 'log(y)'].map(sanitizeName),
      ['Intercept', 'recipeB.temp', 'my.var', 'polyDays.2.1', 'Ix.1e.09', 'a.b', 'v.1x', 'v', 'logy'],
    );
  });
});

describe('data.R', () => {
  it('is the R dump JAGS reads: no 1:3, dim =, =, Inf, NaN, TRUE or unsigned exponents; integers with L', async () => {
    for (const f of [...parseFixtures, ...lmerFixtures]) {
      const spec = await specOf(f);
      const conv = convertModel(spec);
      for (const [name, text] of conv.files) {
        if (!name.endsWith('.R')) continue;
        const body = text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
        const where = `${f.id} ${name}`;
        assert.doesNotMatch(body, /\d:\d/, `${where}: a range`);
        assert.doesNotMatch(body, /\bdim\s*=/, `${where}: dim =`);
        assert.doesNotMatch(body, /^\S+\s*=/m, `${where}: = for assignment`);
        const values = body.split('\n').map((l) => l.replace(/^\S+ <- /, '')).join('\n');
        assert.doesNotMatch(values, /\b(Inf|NaN|TRUE|FALSE)\b/, `${where}: a value JAGS rejects`);
        assert.doesNotMatch(body, /\de\d/, `${where}: an exponent without a sign`);
        for (const line of body.split('\n').filter((l) => l !== '')) assert.match(line, /^("\.RNG\.[a-z]+"|[A-Za-z][A-Za-z0-9._]*) <- /, `${where}: ${line.slice(0, 60)}`);
      }
      const data = readRDump(conv.files.get('data.R') as string, 'data.R');
      assert.equal(data.get('n')?.integer, true, `${f.id}: n is an integer`);
      assert.equal(data.get('n')?.values[0], spec.nobs);
      for (const factor of conv.plan.factors) {
        const v = data.get(factor.index);
        assert.ok(v && v.integer && v.values.length === spec.nobs, `${f.id}: ${factor.index} integer index`);
        assert.equal(data.get(factor.m)?.values[0], factor.levels.length);
      }
      assert.deepEqual(Array.from(data.get('y')?.values as Float64Array), Array.from(spec.response.values), `${f.id}: y to the last bit`);
    }
  });
});

describe('inits1.R … initsK.R', () => {
  it('one file per chain, each with .RNG.name and its own .RNG.seed derived from --seed', async () => {
    const spec = await specOf({ id: 's', formula: 'Reaction ~ Days + (Days | Subject)', data: 'data/sleepstudy.csv' });
    const conv = convertModel(spec, { chains: 5, seed: 42 });
    const inits = [1, 2, 3, 4, 5].map((k) => readRDump(conv.files.get(`inits${k}.R`) as string, `inits${k}.R`));
    assert.equal([...conv.files.keys()].filter((f) => /^inits\d+\.R$/.test(f)).length, 5);
    const seeds = inits.map((d) => d.get('.RNG.seed')?.values[0]);
    assert.deepEqual(seeds, [1, 2, 3, 4, 5].map((k) => chainSeed(42, k)));
    assert.equal(new Set(seeds).size, 5, 'distinct seeds');
    for (const d of inits) assert.deepEqual(d.get('.RNG.name')?.values, ['base::Mersenne-Twister']);
    // The same --seed gives the same files; another gives other seeds and starting values.
    assert.deepEqual(convertModel(spec, { chains: 5, seed: 42 }).files, conv.files);
    const other = convertModel(spec, { chains: 5, seed: 43 });
    assert.notEqual(other.files.get('inits1.R'), conv.files.get('inits1.R'));
    assert.notDeepEqual([1, 2, 3, 4, 5].map((k) => chainSeed(43, k)), seeds);
  });

  it('starting values are dispersed between chains and inside the priors, for every choice', async () => {
    const spec = await specOf({ id: 's', formula: 'y ~ x1 + x2 + (1 + x1 + x2 | subj)', data: 'data/sim_groups.csv' });
    for (const { choice, conv } of convertAll(spec, { chains: 4 })) {
      const inits = [1, 2, 3, 4].map((k) => readRDump(conv.files.get(`inits${k}.R`) as string, `inits${k}.R`));
      const names = [...inits[0].keys()].filter((n) => !n.startsWith('.RNG.'));
      assert.ok(names.length > 3, JSON.stringify(choice));
      for (const name of names) {
        const first = Array.from(inits[0].get(name)?.values as Float64Array);
        // Constant starting points (identity matrices) are allowed to agree; draws are not.
        if (first.every((v) => v === 0 || v === 1 || Number.isNaN(v))) continue;
        for (const d of inits.slice(1)) assert.notDeepEqual(Array.from(d.get(name)?.values as Float64Array), first, `${JSON.stringify(choice)}: ${name} differs between chains`);
      }
      for (const [node, prior] of conv.priors) {
        if (prior.kind !== 'uniform') continue;
        for (const d of inits) {
          const v = d.get(node)?.values[0];
          if (typeof v !== 'number') continue;
          assert.ok(v > prior.lower && v < prior.upper, `${JSON.stringify(choice)}: ${node} = ${v} inside ${prior.text}`);
        }
      }
    }
  });
});

describe('run.cmd', () => {
  it("follows the seed post's order and monitors every node names.json names", async () => {
    for (const f of lmerFixtures) {
      const spec = await specOf(f);
      for (const { choice, conv } of convertAll(spec, { chains: 3, burnin: 700, iter: 900, thin: 3 })) {
        const cmds = (conv.files.get('run.cmd') as string).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
        const where = `${f.id} ${JSON.stringify(choice)}`;
        const glm = cmds[0] === 'load glm';
        assert.equal(glm, choice.param === 'offsets' || spec.random.some((t) => t.columns.length > 1 && choice.cov === 'scaled-wishart'), `${where}: load glm`);
        const rest = glm ? cmds.slice(1) : cmds;
        const monitors = rest.filter((c) => c.startsWith('monitor '));
        assert.deepEqual(rest.filter((c) => !c.startsWith('monitor ')), [
          'model in "model.jags"', 'data in "data.R"', 'compile, nchains(3)',
          'parameters in "inits1.R", chain(1)', 'parameters in "inits2.R", chain(2)', 'parameters in "inits3.R", chain(3)',
          'initialize', 'update 700', 'update 900', 'coda *', 'exit',
        ], where);
        assert.equal(rest.indexOf(monitors[0]), rest.indexOf('update 700') + 1, `${where}: monitors set after the burn-in`);
        assert.deepEqual(monitors, conv.monitors.map((m) => `monitor ${m}, thin(3)`));
        // Every node names.json mentions is monitored (arrays by their name).
        const named = [...Object.values(conv.names.fixef), conv.names.sigma, ...conv.names.varcorr.flatMap((v) => [...v.sd, ...v.corr.flat()]),
          ...Object.values(conv.names.ranef).flatMap((r) => r.nodes)].filter((n): n is string => n !== null);
        for (const n of named) assert.ok(conv.monitors.includes(n.replace(/\[.*$/, '')), `${where}: ${n} monitored`);
      }
    }
  });
});

describe('names.json', () => {
  it("is exactly the issue's example for y ~ x + (x | grp) with a correlated form", async () => {
    const spec = await specOf({ id: 'seed', formula: 'y ~ x + (x | grp)', data: 'seed/datadump.R' });
    for (const cov of ['uniform-rho', 'lkj', 'wishart', 'scaled-wishart'] as const) {
      const text = convertModel(spec, { cov }).files.get('names.json') as string;
      assert.deepEqual(JSON.parse(text), {
        parameterization: 'group-means',
        fixef: { '(Intercept)': 'mu.a', x: 'mu.b' },
        sigma: 'sigma.y',
        varcorr: [{ group: 'grp', terms: ['(Intercept)', 'x'], sd: ['sigma.a', 'sigma.b'], corr: [[null, 'rho.grp'], ['rho.grp', null]] }],
        ranef: { grp: { levels: Array.from({ length: 100 }, (_, j) => String(j + 1)), terms: ['(Intercept)', 'x'], nodes: ['a[{j}]', 'b[{j}]'], includesFixef: [true, true] } },
      }, cov);
      assert.deepEqual(Object.keys(JSON.parse(text)), ['parameterization', 'fixef', 'sigma', 'varcorr', 'ranef']);
    }
    const independent = JSON.parse(convertModel(spec, { cov: 'independent' }).files.get('names.json') as string);
    assert.deepEqual(independent.varcorr[0].corr, [[null, null], [null, null]], 'no correlation node: null');
    const offsets = JSON.parse(convertModel(spec, { param: 'offsets' }).files.get('names.json') as string);
    assert.equal(offsets.parameterization, 'offsets');
    assert.deepEqual(offsets.fixef, { '(Intercept)': 'beta.Intercept', x: 'beta.x' });
    assert.deepEqual(offsets.ranef.grp.includesFixef, [false, false]);
  });

  it("uses lme4's names: fixef columns, VarCorr groups, ranef factors, terms and levels in lme4's order", async () => {
    for (const f of lmerFixtures) {
      const spec = await specOf(f);
      for (const param of PARAMETERIZATIONS) {
        const names = convertModel(spec, { param }).names;
        assert.deepEqual(Object.keys(names.fixef), Object.keys(f.fixef), `${f.id}: fixef names`);
        assert.deepEqual(names.varcorr.map((v) => [v.group, v.terms]), f.varcorr.map((v) => [v.group, v.terms]), `${f.id}: VarCorr`);
        assert.deepEqual(Object.keys(names.ranef).sort(), Object.keys(f.ranef).sort(), `${f.id}: ranef factors`);
        for (const [g, r] of Object.entries(f.ranef)) {
          const ours = names.ranef[g];
          assert.deepEqual(ours.terms, r.terms, `${f.id}: ranef ${g} terms`);
          assert.equal(ours.levels.length, r.nlevels, `${f.id}: ${g} levels`);
          assert.deepEqual(ours.levels.slice(0, r.levels.length), r.levels, `${f.id}: ${g} level order`);
          assert.ok(ours.nodes.every((n) => n.endsWith('[{j}]')));
          assert.equal(ours.includesFixef.length, ours.terms.length);
          if (param === 'offsets') assert.ok(ours.includesFixef.every((b) => !b));
        }
        // group-means: a fixef held by a group node is that node's mean (mu.*); the others are beta.*.
        for (const [col, node] of Object.entries(names.fixef)) assert.match(node, param === 'offsets' ? /^beta\./ : /^(mu|beta)\./, `${f.id}: ${col}`);
      }
    }
  });
});

describe('options', () => {
  it('bad option values are Lmer2JagsErrors with a hint', async () => {
    const spec = await specOf({ id: 's', formula: 'Reaction ~ Days + (Days | Subject)', data: 'data/sleepstudy.csv' });
    const three = await specOf({ id: 't', formula: 'y ~ x1 + x2 + (1 + x1 + x2 | subj)', data: 'data/sim_groups.csv' });
    const bad: [ModelSpec, ConvertOptions, RegExp][] = [
      [spec, { param: 'centred' as never }, /unknown --param centred/],
      [spec, { cov: 'lkj2' as never }, /unknown --cov lkj2/],
      [spec, { priors: 'flat' as never }, /unknown --priors flat/],
      [spec, { chains: 0 }, /--chains must be a whole number from 1 to 1000, got 0/],
      [spec, { chains: 1001 }, /--chains must be a whole number from 1 to 1000/],
      [spec, { iter: -5 }, /--iter must be a whole number from 1 to 2147483647, got -5/],
      [spec, { burnin: -1 }, /--burnin must be a whole number from 0/],
      [spec, { thin: 1.5 }, /--thin must be a whole number .* got 1\.5/],
      [spec, { thin: Number.NaN }, /got something that is not a number/],
      [spec, { iter: 10, thin: 20 }, /--thin 20 is larger than --iter 10/],
      [spec, { iter: 3e9 }, /--iter must be a whole number from 1 to 2147483647/],
      [spec, { burnin: MAX_JAGS_ITERATIONS - 5, iter: 10 }, /more iterations than JAGS can count/],
      [spec, { seed: 0.5 }, /--seed must be a whole number/],
      [spec, { eta: 0 }, /--eta must be a positive number/],
      [spec, { eta: Number.POSITIVE_INFINITY }, /--eta must be a positive number/],
      [three, { cov: 'uniform-rho' }, /--cov uniform-rho handles terms with two coefficients, but \(1 \+ x1 \+ x2 \| subj\) has 3/],
    ];
    for (const [s, o, message] of bad) {
      assert.throws(() => resolveOptions(s, o), (e: unknown) => e instanceof Lmer2JagsError && message.test(e.message) && e.hint !== undefined, JSON.stringify(o));
      assert.throws(() => convertModel(s, o), Lmer2JagsError);
    }
    assert.equal(resolveOptions(spec, { burnin: 0, iter: 1 }).burnin, 0);
  });
});
