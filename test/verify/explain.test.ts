/**
 * explain: lmer's model and its Bayesian twin in words and equations, the JAGS code and the
 * name map; with data everything concrete (the JAGS code is exactly convert's), without data
 * symbolic (no level counts, prior constants as formulas); for every fixture formula; and its
 * bad inputs through the command (exit 2). About 10 s.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseModel } from '../../src/bugs/parse.js';
import { readDataFile } from '../../src/data/read.js';
import { convertModel } from '../../src/jags/render.js';
import { buildModelSpec } from '../../src/model/build.js';
import { seedDataDump } from '../../src/paths.js';
import { explainModel, renderExplanation, symbolicJags } from '../../src/verify/explain.js';
import { expectBadInput } from '../helpers/bad-input.js';
import { runCli } from '../helpers/cli.js';
import { fixturePath, loadFixtures } from '../helpers/fixtures.js';

const SEED = 'y ~ x + (x | grp)';
/** Decimal numbers that are not part of a node name (IDays.2.1 is a name). */
const NUMBER = /(?<![\w.])(\d+\.\d+|\d+e[-+]\d+)(?![\w.])/g;

/** The numbers of a symbolic model, leaving out the formula's own text inside sd(…) and mean(…). */
function numbersIn(jags: string): string[] {
  let out = '';
  for (let i = 0; i < jags.length; i++) {
    const m = /^(sd|mean)\(/.exec(jags.slice(i, i + 5));
    if (m) {
      let depth = 0;
      let k = i + m[0].length - 1;
      for (; k < jags.length; k++) {
        if (jags[k] === '(') depth++;
        else if (jags[k] === ')' && --depth === 0) break;
      }
      out += `${m[1]}()`;
      i = k;
      continue;
    }
    out += jags[i];
  }
  return out.match(NUMBER) ?? [];
}

describe('explain', () => {
  it('without data: symbolic sizes and prior constants, and still BUGS code', () => {
    const e = explainModel(SEED, null);
    assert.equal(e.symbolic, true);
    assert.equal(e.nobs, 'n');
    assert.equal(e.terms[0].levels, 'm');
    // No number from the stand-in table leaks: the only numbers are the rules' own constants.
    const numbers = numbersIn(e.jags);
    assert.deepEqual(numbers, [], e.jags);
    assert.match(e.jags, /mu\.a ~ dnorm\(0, 1 \/ \(100 \* \(abs\(mean\(y\)\) \+ sd\(y\)\)\)\^2\)/);
    assert.match(e.jags, /sigma\.y ~ dunif\(0, 10 \* sd\(y\)\)/);
    assert.match(e.jags, /for \(j in 1:m\)/);
    assert.doesNotThrow(() => parseModel(e.jags, 'model.jags'));
    const text = renderExplanation(e, 'text');
    assert.match(text, /symbolic: no data given/);
    assert.match(text, /each of the m levels j of grp/);
    assert.doesNotMatch(text, /\b120\b|grp1\b/, 'no stand-in sizes or level names');
  });
  it('with data: concrete levels and constants, and exactly the JAGS code convert writes', async () => {
    const table = await readDataFile(seedDataDump);
    const e = explainModel(SEED, table, {}, 'fixtures/seed/datadump.R');
    assert.equal(e.nobs, '800');
    assert.equal(e.terms[0].levels, '100');
    const conv = convertModel(buildModelSpec(SEED, table));
    assert.equal(e.jags, conv.files.get('model.jags'));
    assert.match(renderExplanation(e, 'text'), /each of the 100 levels j of grp/);
  });
  it("names every node and says why a group coefficient is fixef + ranef in the seed post's form", () => {
    const e = explainModel(SEED, null);
    const by = new Map(e.names.map((r) => [r.node, r]));
    assert.match(by.get('mu.a (posterior mean, SD)')!.lme4, /fixef\("\(Intercept\)"\)/);
    assert.match(by.get('a[j]')!.lme4, /coef\(\)\$grp\[j, "\(Intercept\)"\] = fixef \+ ranef/);
    assert.match(by.get('rho.grp')!.lme4, /corr\(\(Intercept\), x\)/);
    assert.equal(by.get('sigma.y')!.lme4, 'sigma()');
    assert.ok(e.correspondence.some((c) => /substituting a\[j\] = mu\.a \+ b\.grp\[j, \(Intercept\)\] gives back lmer's model/.test(c)));
    assert.ok(e.lmerEquations.some((q) => /b\.grp\[j, \(Intercept\)\], b\.grp\[j, x\]\) ~ N\(0, Σ\.grp\)/.test(q)));
  });
  it('the offsets form maps the beta nodes to fixef and the group nodes to ranef', () => {
    const e = explainModel(SEED, null, { param: 'offsets' });
    assert.ok(e.names.some((r) => /beta\.Intercept/.test(r.node) && /fixef\("\(Intercept\)"\)/.test(r.lme4)));
    assert.ok(e.names.some((r) => r.node === 'a[j]' && /^ranef\(\)/.test(r.lme4)));
  });
  it('Markdown: headings, fenced equations and code, a name-map table', () => {
    const md = renderExplanation(explainModel(SEED, null), 'md');
    assert.match(md, /^# lmer2jags explain: `y ~ x \+ \(x \| grp\)`/);
    for (const h of ['## 1. The lmer model', '## 2. The same model, Bayesian', '## 3. Why the group coefficient is fixef + ranef', '## 4. The JAGS code', '## 5. The name map']) assert.ok(md.includes(h), h);
    assert.match(md, /\| lme4 \| node \| what it is \|\n\|---\|---\|---\|/);
    assert.equal((md.match(/^```$/gm) ?? []).length % 2, 0, 'fences are closed');
  });
  it('explains redundant random terms in a note', async () => {
    const e = explainModel('y ~ x1 + cond + (cond || subj)', await readDataFile(fixturePath('data/sim_groups.csv')));
    assert.ok(e.notes.some((n) => /linearly dependent.*only combinations of their coefficients are identified/.test(n)), e.notes.join('\n'));
  });
  it('works for every fixture formula, with and without its data', async () => {
    const parse = loadFixtures<{ id: string; formula: string; data: string }>('parse');
    for (const p of parse) {
      const symbolic = explainModel(p.formula, null);
      assert.ok(symbolic.jags.includes('model {'), p.id);
      assert.deepEqual(numbersIn(symbolic.jags), [], `${p.id}: numbers in the symbolic code`);
      if (p.id === 'insteval') continue; // 73,421 rows: covered by the verify fixtures
      const concrete = explainModel(p.formula, await readDataFile(fixturePath(p.data)), {}, p.data);
      assert.ok(renderExplanation(concrete, 'md').length > 1000, p.id);
    }
  });
  it('symbolicJags rewrites each data-derived constant and drops the comments', () => {
    const model = [
      '# header',
      'model {',
      '  mu.b ~ dnorm(0, 2.37065e-05)  # prior SD 205.384 = 100 x sd(y) / sd(x) = 100 x 1.64017 / 0.798589',
      '  sigma.b ~ dunif(0, 20.5384)  # upper bound 10 x sd(y) / sd(x) = 10 x 1.64017 / 0.798589',
      '  R.g[1, 1] <- 2.69012  # (sd(y) / sd(x))^2 = (1.64017 / 0.798589)^2',
      '}',
    ].join('\n');
    assert.equal(
      symbolicJags(model),
      ['model {', '  mu.b ~ dnorm(0, 1 / (100 * sd(y) / sd(x))^2)', '  sigma.b ~ dunif(0, 10 * sd(y) / sd(x))', '  R.g[1, 1] <- (sd(y) / sd(x))^2', '}'].join('\n'),
    );
  });
});

describe('lmer2jags explain (the command)', { concurrency: true }, () => {
  it('prints the explanation (exit 0), as text or Markdown, with or without data', async () => {
    const a = await runCli(['explain', SEED]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /^lmer2jags explain: y ~ x \+ \(x \| grp\)/);
    const b = await runCli(['explain', 'Reaction ~ Days + (Days | Subject)', '--data', fixturePath('data/sleepstudy.csv'), '--format', 'md']);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /Data: `.*sleepstudy\.csv`, 180 observations/);
    const j = await runCli(['explain', SEED, '--json']);
    assert.equal(j.code, 0, j.stderr);
    assert.equal((JSON.parse(j.stdout) as { symbolic: boolean }).symbolic, true);
  });
  it('bad input exits 2 with one message', async () => {
    await expectBadInput(['explain', 'y ~ x + (x | grp'], /parenthesis is not closed/);
    await expectBadInput(['explain', 'y ~ x'], /No random effects terms/);
    await expectBadInput(['explain', SEED, '--format', 'pdf'], /Invalid values/, /format/);
    await expectBadInput(['explain', SEED, '--data', ''], /--data needs a file name/);
    await expectBadInput(['explain', SEED, '--weights', 'w'], /--weights names a data column, but no --data was given/);
    await expectBadInput(['explain', 'Reaction ~ Dayz + (1 | Subject)', '--data', fixturePath('data/sleepstudy.csv')], /Dayz/);
    await expectBadInput(['explain', 'y ~ foo(x) + (1 | g)'], /foo/);
    await expectBadInput(['explain', SEED, '--cov', 'uniform'], /Invalid values/, /cov/);
  });
});
