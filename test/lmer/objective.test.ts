/**
 * The blocked PLS evaluation against a brute-force dense computation of the same quantities
 * (M = ΛᵀZᵀWZΛ + I, the joint normal equations, log-determinants, conditional covariances) on
 * small random models covering every block layout: crossed terms (dense fill), nested terms
 * (block-diagonal, sparse fill with update plans), vector terms in every position, weights and
 * an offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelSpec, RandomTerm } from '../../src/model/spec.js';
import { buildPlsBlocks, envelopeCost, profileOrder, reverseCuthillMcKee, sloanOrder } from '../../src/lmer/blocks.js';
import { PlsObjective } from '../../src/lmer/objective.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const span = { start: 0, end: 0 };

interface TermDef {
  readonly name: string;
  readonly q: number;
  /** Level of observation i. */
  readonly level: (i: number) => number;
  readonly nl: number;
}

function makeSpec(n: number, p: number, terms: readonly TermDef[], seed: number, weighted: boolean): ModelSpec {
  const r = rng(seed);
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) X[i] = 1;
  for (let k = n; k < n * p; k++) X[k] = r() * 2 - 1;
  const y = Float64Array.from({ length: n }, () => r() * 10);
  const random: RandomTerm[] = terms.map((t) => {
    const Z = new Float64Array(n * t.q);
    for (let i = 0; i < n; i++) Z[i] = 1;
    for (let k = n; k < n * t.q; k++) Z[k] = r() * 3 - 1;
    return {
      kind: t.q === 1 ? 'scalar' : 'vector',
      group: t.name,
      label: `x | ${t.name}`,
      factors: [t.name],
      levels: Array.from({ length: t.nl }, (_, l) => `${t.name}${l}`),
      index: Int32Array.from({ length: n }, (_, i) => t.level(i)),
      columns: Array.from({ length: t.q }, (_, c) => ({ name: c === 0 ? '(Intercept)' : `z${c}`, span })),
      Z,
      fromDoubleBar: false,
      span,
    };
  });
  return {
    kind: 'lmm',
    formula: 'y ~ …',
    response: { name: 'y', values: y, span },
    nobs: n,
    fixed: { columns: Array.from({ length: p }, (_, a) => ({ name: `x${a}`, span })), X, hasIntercept: true, dropped: [] },
    random,
    offset: weighted ? Float64Array.from({ length: n }, () => r() - 0.5) : null,
    weights: weighted ? Float64Array.from({ length: n }, () => 0.5 + r()) : null,
    rows: { total: n, used: n, dropped: 0, rowIndex: Int32Array.from({ length: n }, (_, i) => i) },
    scales: { response: { mean: 0, sd: 1, min: 0, max: 1 }, fixed: [] },
    messages: [],
  };
}

// ---- dense reference ----------------------------------------------------------------------

function cholesky(A: number[][]): number[][] {
  const n = A.length;
  const L = A.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
    }
  }
  return L;
}
function solve(A: number[][], b: number[]): number[] {
  const L = cholesky(A);
  const n = b.length;
  const z = [...b];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) z[i] -= L[i][k] * z[k];
    z[i] /= L[i][i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) z[i] -= L[k][i] * z[k];
    z[i] /= L[i][i];
  }
  return z;
}
const logdet = (A: number[][]): number => 2 * cholesky(A).reduce((s, row, i) => s + Math.log(row[i]), 0);

function denseReference(spec: ModelSpec, theta: number[]) {
  const n = spec.nobs;
  const p = spec.fixed.columns.length;
  const sw = Array.from({ length: n }, (_, i) => Math.sqrt(spec.weights ? spec.weights[i] : 1));
  // Z in u order (term, level, column) and Λ block diagonal.
  const cols: number[][] = [];
  const lambdaBlocks: { off: number; q: number; T: number[][] }[] = [];
  let th = 0;
  for (const t of spec.random) {
    const q = t.columns.length;
    const T = Array.from({ length: q }, () => new Array<number>(q).fill(0));
    for (let c = 0; c < q; c++) for (let r = c; r < q; r++) T[r][c] = theta[th++];
    for (let l = 0; l < t.levels.length; l++) {
      lambdaBlocks.push({ off: cols.length, q, T });
      for (let c = 0; c < q; c++) cols.push(Array.from({ length: n }, (_, i) => (t.index[i] === l ? t.Z[c * n + i] * sw[i] : 0)));
    }
  }
  const qt = cols.length;
  const Lambda = Array.from({ length: qt }, () => new Array<number>(qt).fill(0));
  for (const b of lambdaBlocks) for (let r = 0; r < b.q; r++) for (let c = 0; c < b.q; c++) Lambda[b.off + r][b.off + c] = b.T[r][c];
  // ZΛ columns.
  const ZL = Array.from({ length: qt }, (_, c) => Array.from({ length: n }, (_, i) => cols.reduce((s, col, k) => s + col[i] * Lambda[k][c], 0)));
  const Xt = Array.from({ length: p }, (_, a) => Array.from({ length: n }, (_, i) => spec.fixed.X[a * n + i] * sw[i]));
  const yt = Array.from({ length: n }, (_, i) => sw[i] * (spec.response.values[i] - (spec.offset ? spec.offset[i] : 0)));
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i], 0);
  const all = [...ZL, ...Xt];
  const m = qt + p;
  const A = Array.from({ length: m }, (_, r) => Array.from({ length: m }, (_, c) => dot(all[r], all[c]) + (r === c && r < qt ? 1 : 0)));
  const sol = solve(A, all.map((col) => dot(col, yt)));
  const u = sol.slice(0, qt);
  const beta = sol.slice(qt);
  const resid = yt.map((v, i) => v - all.reduce((s, col, k) => s + col[i] * sol[k], 0));
  const pwrss = dot(resid, resid) + dot(u, u);
  const M = A.slice(0, qt).map((row) => row.slice(0, qt));
  const ldL2 = logdet(M);
  const ldFull = logdet(A);
  const ldRX2 = ldFull - ldL2;
  const ldW = spec.weights ? spec.weights.reduce((s, w) => s + Math.log(w), 0) : 0;
  const reml = ldL2 + ldRX2 - ldW + (n - p) * (1 + Math.log((2 * Math.PI * pwrss) / (n - p)));
  const ml = ldL2 - ldW + n * (1 + Math.log((2 * Math.PI * pwrss) / n));
  // Conditional covariance (unscaled): Λ M⁻¹ Λᵀ.
  const Minv = M.map((_, c) => solve(M, M.map((__, r) => (r === c ? 1 : 0))));
  const cond = Array.from({ length: qt }, (_, r) =>
    Array.from({ length: qt }, (_, c) => {
      let s = 0;
      for (let a = 0; a < qt; a++) for (let b = 0; b < qt; b++) s += Lambda[r][a] * Minv[b][a] * Lambda[c][b];
      return s;
    }),
  );
  const b = Array.from({ length: qt }, (_, r) => dot(Lambda[r], u));
  // (RXᵀRX)⁻¹ is the X block of A⁻¹.
  const Ainv = A.map((_, c) => solve(A, A.map((__, r) => (r === c ? 1 : 0))));
  const vcovUnscaled = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, c) => Ainv[qt + c][qt + a]));
  return { reml, ml, beta, u, b, cond, pwrss, vcovUnscaled, ldL2, ldRX2 };
}

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

function checkModel(spec: ModelSpec, theta: number[], label: string): void {
  const blocks = buildPlsBlocks(spec);
  const obj = new PlsObjective(blocks, true);
  const ref = denseReference(spec, theta);
  const crit = obj.evaluate(theta);
  close(crit, ref.reml, 1e-10, `${label} REML`);
  close(obj.criterion(false), ref.ml, 1e-10, `${label} ML`);
  const st = obj.state();
  close(st.pwrss, ref.pwrss, 1e-10, `${label} pwrss`);
  close(st.ldL2, ref.ldL2, 1e-10, `${label} ldL2`);
  close(st.ldRX2, ref.ldRX2, 1e-10, `${label} ldRX2`);
  const beta = obj.beta();
  ref.beta.forEach((v, a) => close(beta[a], v, 1e-9, `${label} beta[${a}]`));
  // u, b and conditional covariances come in the factor's level order; map reference indices.
  const at = (k: number): number => {
    for (const [j, t] of blocks.terms.entries()) {
      if (k < t.uOffset || k >= t.uOffset + t.dim) continue;
      const l = Math.floor((k - t.uOffset) / t.q);
      const pos = blocks.levelPosition[j]?.[l] ?? l;
      return t.uOffset + pos * t.q + ((k - t.uOffset) % t.q);
    }
    throw new Error('index outside u');
  };
  const u = obj.u(beta);
  ref.u.forEach((v, k) => close(u[at(k)], v, 1e-9, `${label} u[${k}]`));
  const b = obj.b(u);
  ref.b.forEach((v, k) => close(b[at(k)], v, 1e-9, `${label} b[${k}]`));
  const vc = obj.unscaledVcov();
  const p = beta.length;
  for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) close(vc[a * p + c], ref.vcovUnscaled[a][c], 1e-9, `${label} vcov[${a},${c}]`);
  const cond = obj.conditionalCovariance();
  blocks.terms.forEach((t, j) => {
    for (let l = 0; l < t.nl; l++) {
      for (let r = 0; r < t.q; r++) {
        for (let c = 0; c < t.q; c++) {
          const k = t.uOffset + l * t.q;
          const pos = blocks.levelPosition[j]?.[l] ?? l;
          close(cond[j][pos * t.q * t.q + r * t.q + c], ref.cond[k + r][k + c], 1e-9, `${label} condCov term ${j} level ${l} [${r},${c}]`);
        }
      }
    }
  });
}

test('crossed terms with a vector term first: dense fill of the second block', () => {
  const n = 70;
  const spec = makeSpec(
    n,
    3,
    [
      { name: 'g', q: 2, nl: 9, level: (i) => i % 9 },
      { name: 'h', q: 1, nl: 4, level: (i) => Math.floor(i / 7) % 4 },
    ],
    1,
    false,
  );
  const blocks = buildPlsBlocks(spec);
  assert.deepEqual(blocks.diagKind, ['bd', 'dn']);
  assert.equal(blocks.offKind[1][0], 'sp');
  assert.ok(blocks.envelope[1] !== null && blocks.envelope[0] === null);
  checkModel(spec, [0.8, -0.3, 0.6, 1.3], 'crossed');
  checkModel(spec, [0, 0, 0, 0.5], 'crossed at zero');
});

test('three nested terms: block-diagonal blocks and sparse fill with update plans', () => {
  const n = 72;
  // c (12 levels) within b (6) within a (3); every c has 6 observations.
  const spec = makeSpec(
    n,
    2,
    [
      { name: 'c', q: 1, nl: 12, level: (i) => Math.floor(i / 6) },
      { name: 'b', q: 2, nl: 6, level: (i) => Math.floor(i / 12) },
      { name: 'a', q: 1, nl: 3, level: (i) => Math.floor(i / 24) },
    ],
    2,
    true,
  );
  const blocks = buildPlsBlocks(spec);
  assert.deepEqual(blocks.diagKind, ['bd', 'bd', 'bd']);
  assert.deepEqual([blocks.offKind[1][0], blocks.offKind[2][0], blocks.offKind[2][1]], ['sp', 'sp', 'sp']);
  assert.ok(blocks.plans[2][1][0] !== undefined && blocks.plans[2][1][0].a.length > 0);
  checkModel(spec, [1.1, 0.7, 0.2, 0.5, 0.9], 'nested');
});

test('nested then crossed: block-diagonal second block, dense third with sparse updates', () => {
  const n = 96;
  const spec = makeSpec(
    n,
    3,
    [
      { name: 'class', q: 1, nl: 12, level: (i) => Math.floor(i / 8) },
      { name: 'school', q: 1, nl: 4, level: (i) => Math.floor(i / 24) },
      { name: 'rater', q: 2, nl: 3, level: (i) => i % 3 },
    ],
    3,
    true,
  );
  const blocks = buildPlsBlocks(spec);
  assert.deepEqual(blocks.diagKind, ['bd', 'bd', 'dn']);
  assert.deepEqual([blocks.offKind[1][0], blocks.offKind[2][0], blocks.offKind[2][1]], ['sp', 'sp', 'sp']);
  checkModel(spec, [0.9, 1.4, 0.6, 0.25, 0.8], 'nested-crossed');
});

test('four crossed terms: dense blocks updated by dense products', () => {
  const n = 90;
  const spec = makeSpec(
    n,
    2,
    [
      { name: 'g1', q: 1, nl: 15, level: (i) => i % 15 },
      { name: 'g2', q: 2, nl: 7, level: (i) => (i * 3) % 7 },
      { name: 'g3', q: 1, nl: 5, level: (i) => Math.floor(i / 3) % 5 },
      { name: 'g4', q: 2, nl: 4, level: (i) => Math.floor(i / 11) % 4 },
    ],
    4,
    true,
  );
  const blocks = buildPlsBlocks(spec);
  assert.deepEqual(blocks.diagKind, ['bd', 'dn', 'dn', 'dn']);
  assert.equal(blocks.offKind[3][2], 'dn');
  assert.equal(blocks.offKind[3][1], 'dn');
  checkModel(spec, [0.7, 1.2, -0.4, 0.9, 0.5, 1.5, 0.3, 0.6], 'four crossed');
});

test('an evaluation does no work proportional to n: the same blocks for 10× the rows', () => {
  const terms: TermDef[] = [
    { name: 'g', q: 1, nl: 10, level: (i) => Math.floor(i / 4) % 10 },
    { name: 'h', q: 1, nl: 4, level: (i) => i % 4 },
  ];
  const small = buildPlsBlocks(makeSpec(40, 2, terms, 5, false));
  const large = buildPlsBlocks(makeSpec(4000, 2, terms, 5, false));
  // Factor storage sizes depend on levels and p only.
  assert.equal(small.aXY[0].length, large.aXY[0].length);
  assert.equal(small.aCross[1][0]?.values.length, large.aCross[1][0]?.values.length);
  assert.equal(new PlsObjective(large, true).evaluate([0.5, 0.5]) > 0, true);
});

test('reverse Cuthill–McKee orders a shuffled path graph into a band', () => {
  // Path 0-1-2-…-9 with labels shuffled.
  const label = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4];
  const adj: number[][] = Array.from({ length: 10 }, () => []);
  for (let k = 0; k + 1 < 10; k++) {
    adj[label[k]].push(label[k + 1]);
    adj[label[k + 1]].push(label[k]);
  }
  const order = reverseCuthillMcKee(adj);
  assert.deepEqual([...order].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const pos = new Int32Array(10);
  order.forEach((v, k) => (pos[v] = k));
  for (let v = 0; v < 10; v++) for (const w of adj[v]) assert.ok(Math.abs(pos[v] - pos[w]) === 1, 'bandwidth 1');
});

test('a dense second block gets a level order and an envelope; results come back in level order', () => {
  // h has levels that only some g levels share: the RCM order differs from the natural one.
  const n = 80;
  const spec = makeSpec(
    n,
    2,
    [
      { name: 'g', q: 1, nl: 20, level: (i) => i % 20 },
      { name: 'h', q: 2, nl: 8, level: (i) => ((i % 20) * 5 + Math.floor(i / 20)) % 8 },
    ],
    9,
    false,
  );
  const blocks = buildPlsBlocks(spec);
  assert.equal(blocks.diagKind[1], 'dn');
  const pos = blocks.levelPosition[1];
  if (pos) assert.deepEqual([...pos].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  checkModel(spec, [0.9, 0.7, -0.2, 0.4], 'reordered');
});

test('banded crossing: the dense block is factored inside its envelope', () => {
  const n = 60;
  const shuffle = [3, 7, 1, 9, 0, 5, 2, 8, 4, 6];
  const spec = makeSpec(
    n,
    2,
    [
      { name: 'g', q: 1, nl: 30, level: (i) => i % 30 },
      { name: 'h', q: 1, nl: 10, level: (i) => shuffle[Math.floor((i % 30) / 3 + (i >= 30 ? 1 : 0)) % 10] },
    ],
    12,
    true,
  );
  const blocks = buildPlsBlocks(spec);
  const env = blocks.envelope[1];
  assert.ok(env !== null && env.some((f, i) => f > 0 && f < i), 'a nontrivial envelope');
  checkModel(spec, [1.3, 0.8], 'banded');
});

test("profileOrder picks the least envelope work of the levels' order, reverse Cuthill–McKee and Sloan's", () => {
  // A ring of 40 nodes with chords: every candidate is a permutation, and the chosen order is
  // never worse than any of them.
  const n = 40;
  const sets = Array.from({ length: n }, () => new Set<number>());
  const link = (a: number, b: number): void => {
    if (a === b) return;
    sets[a].add(b);
    sets[b].add(a);
  };
  for (let i = 0; i < n; i++) {
    link(i, (i + 1) % n);
    link(i, (i * 7 + 3) % n);
  }
  const adj = sets.map((s) => [...s].sort((a, b) => a - b));
  const isPermutation = (o: Int32Array): boolean => o.length === n && new Set(o).size === n && [...o].every((v) => v >= 0 && v < n);
  const sloan = sloanOrder(adj);
  const rcm = reverseCuthillMcKee(adj);
  const own = Int32Array.from({ length: n }, (_, i) => i);
  assert.ok(isPermutation(sloan) && isPermutation(rcm));
  const chosen = profileOrder(adj);
  assert.ok(isPermutation(chosen));
  const best = Math.min(envelopeCost(adj, own), envelopeCost(adj, rcm), envelopeCost(adj, sloan));
  assert.equal(envelopeCost(adj, chosen), best);
  assert.ok(best < envelopeCost(adj, own), 'reordering pays on this graph');
  // Two components are both numbered.
  const two = [[1], [0], [3], [2]];
  assert.deepEqual([...sloanOrder(two)].sort(), [0, 1, 2, 3]);
});
