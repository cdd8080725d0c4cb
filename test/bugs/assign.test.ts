/**
 * Sampler assignment (src/bugs/assign.ts) on the models `lmer2jags convert` writes for the
 * seed data (fixtures/seed/data.csv, 100 groups of 8): `y ~ x + (x | grp)` in every
 * --param and --cov form, and `y ~ x + (1 | grp)`. Each form must get the intended samplers:
 *
 * - one joint Gaussian block holding every group coefficient (a/b, the dmnorm rows B.grp or
 *   B.raw.grp) together with the fixed effects (mu.a/mu.b, or beta.* with --param offsets);
 * - sigma.y (dunif SD of the residual): the truncated gamma draw;
 * - independent: sigma.a and sigma.b truncated gamma, plus the interweaving step over their
 *   effects; scaled-wishart: xi.* the exact truncated normal, Tau.raw the conjugate Wishart;
 *   wishart: Tau the conjugate Wishart; uniform-rho and lkj: slice sampling for the SDs and
 *   the correlation parameter;
 * - every unobserved stochastic node is updated by exactly one sampler (the interweaving step
 *   comes in addition), and no observed node by any.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSamplers, instantiate, planSamplers } from '../../src/bugs/assign.js';
import type { CompiledModel } from '../../src/bugs/compile.js';
import { compileModel } from '../../src/bugs/compile.js';
import { parseModel } from '../../src/bugs/parse.js';
import { readDataFile } from '../../src/data/read.js';
import { readRDump } from '../../src/data/rdump.js';
import { COVARIANCE_FORMS, PARAMETERIZATIONS } from '../../src/jags/names.js';
import { DEFAULT_OPTIONS, convertModel } from '../../src/jags/render.js';
import { buildModelSpec } from '../../src/model/build.js';
import { fixturePath } from '../helpers/fixtures.js';

const table = await readDataFile(fixturePath('seed/data.csv'));

function compiled(formula: string, param: string, cov: string): CompiledModel {
  const spec = buildModelSpec(formula, table);
  const conv = convertModel(spec, { ...DEFAULT_OPTIONS, param: param as never, cov: cov as never });
  const model = conv.files.get('model.jags')!;
  return compileModel(parseModel(model, 'model.jags'), model, 'model.jags', readRDump(conv.files.get('data.R')!, 'data.R'));
}

/** Sampler kind → the labels it updates; and each label → the kinds updating it. */
function assignment(m: CompiledModel): { list: [string, string[]][]; byNode: Map<string, string[]> } {
  const list = describeSamplers(m, instantiate(planSamplers(m)));
  const byNode = new Map<string, string[]>();
  for (const [kind, labels] of list) for (const l of labels) byNode.set(l, [...(byNode.get(l) ?? []), kind]);
  return { list, byNode };
}

const range = (n: number, f: (j: number) => string) => Array.from({ length: n }, (_, j) => f(j + 1));

/** The group-coefficient nodes of each covariance form. */
function effectNodes(cov: string): string[] {
  if (cov === 'independent') return [...range(100, (j) => `a[${j}]`), ...range(100, (j) => `b[${j}]`)];
  if (cov === 'scaled-wishart') return range(100, (j) => `B.raw.grp[${j},1:2]`);
  return range(100, (j) => `B.grp[${j},1:2]`);
}

const OTHERS: Record<string, [string, string][]> = {
  independent: [['sigma.a', 'TruncatedGamma'], ['sigma.b', 'TruncatedGamma']],
  'scaled-wishart': [['xi.a', 'TruncatedNormal'], ['xi.b', 'TruncatedNormal'], ['Tau.raw.grp[1:2,1:2]', 'ConjugateWishart']],
  wishart: [['Tau.grp[1:2,1:2]', 'ConjugateWishart']],
  'uniform-rho': [['sigma.a', 'Slice'], ['sigma.b', 'Slice'], ['rho.grp', 'Slice']],
  lkj: [['sigma.a', 'Slice'], ['sigma.b', 'Slice'], ['u.grp[1,2]', 'Slice']],
};

describe('sampler assignment for the seed model y ~ x + (x | grp)', () => {
  assert.deepEqual([...COVARIANCE_FORMS].sort(), Object.keys(OTHERS).sort(), 'every --cov form is covered here');
  for (const param of PARAMETERIZATIONS) {
    for (const cov of COVARIANCE_FORMS) {
      it(`--param ${param} --cov ${cov}`, () => {
        const m = compiled('y ~ x + (x | grp)', param, cov);
        const { list, byNode } = assignment(m);
        const blocks = list.filter(([k]) => k === 'GaussianBlock');
        assert.equal(blocks.length, 1, `one Gaussian block: ${JSON.stringify(list.map(([k, l]) => [k, l.length]))}`);
        const fixed = param === 'offsets' ? ['beta.Intercept', 'beta.x'] : ['mu.a', 'mu.b'];
        assert.deepEqual([...blocks[0][1]].sort(), [...effectNodes(cov), ...fixed].sort(), 'the block holds the group coefficients and the fixed effects');
        assert.deepEqual(byNode.get('sigma.y'), ['TruncatedGamma']);
        for (const [label, kind] of OTHERS[cov]) {
          const kinds = byNode.get(label);
          assert.ok(kinds, `${label} has a sampler`);
          assert.equal(kinds[0], kind, `${label}: ${kinds.join(', ')}`);
        }
        if (cov === 'independent') {
          for (const [sd, eff] of [['sigma.a', 'a'], ['sigma.b', 'b']]) {
            const iw = list.find(([k, ls]) => k === 'Interweave' && ls[0] === sd);
            assert.ok(iw, `interweaving step for ${sd}`);
            assert.deepEqual(iw[1].slice(1), range(100, (j) => `${eff}[${j}]`));
          }
        } else {
          assert.ok(!list.some(([k]) => k === 'Interweave'));
        }
        // The scaled inverse-Wishart prior gets the parameter-expansion step after its updates.
        assert.equal(list.some(([k]) => k === 'ScaleExpansion'), cov === 'scaled-wishart', 'a ScaleExpansion step exactly for --cov scaled-wishart');
        // Every unobserved stochastic node has exactly one sampler besides the moves that follow
        // the updates (interweaving, parameter expansion, shifts), which leave its conditional
        // invariant without replacing its update.
        const extra = new Set(['Interweave', 'ScaleExpansion', 'Shift']);
        for (const node of m.nodes) {
          if (node.kind !== 'stochastic') continue;
          const kinds = (byNode.get(node.label) ?? []).filter((k) => !extra.has(k));
          assert.equal(kinds.length, node.observed ? 0 : 1, `${node.label}: ${kinds.join(', ') || 'no sampler'}`);
        }
      });
    }
  }
});

describe('sampler assignment for y ~ x + (1 | grp)', () => {
  for (const param of PARAMETERIZATIONS) {
    it(`--param ${param}`, () => {
      const m = compiled('y ~ x + (1 | grp)', param, 'independent');
      const { list, byNode } = assignment(m);
      const block = list.find(([k]) => k === 'GaussianBlock')!;
      const fixed = param === 'offsets' ? ['beta.Intercept', 'beta.x'] : ['mu.a', 'beta.x'];
      assert.ok(fixed.every((f) => block[1].includes(f)), `${JSON.stringify(block[1].slice(-3))} hold ${fixed}`);
      assert.equal(block[1].length, 102);
      assert.deepEqual(byNode.get('sigma.a'), ['TruncatedGamma', 'Interweave']);
      assert.deepEqual(byNode.get('sigma.y'), ['TruncatedGamma']);
    });
  }
});

describe('options that turn samplers off (for benchmarks)', () => {
  it('without blocks the normal nodes are updated one at a time; without conjugacy by slice', () => {
    const m = compiled('y ~ x + (1 | grp)', 'group-means', 'independent');
    const noBlocks = describeSamplers(m, instantiate(planSamplers(m, { blocks: false })));
    assert.ok(!noBlocks.some(([k]) => k === 'GaussianBlock'));
    const plain = describeSamplers(m, instantiate(planSamplers(m, { blocks: false, conjugate: false, interweave: false })));
    assert.ok(plain.every(([k]) => k === 'Slice'), JSON.stringify([...new Set(plain.map(([k]) => k))]));
  });
});
