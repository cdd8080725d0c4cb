/**
 * Shift moves (src/bugs/samplers/shift.ts) on a small crossed model with known precisions,
 * whose posterior is Gaussian and computed exactly here: the moves are found for the crossed
 * direction, the draws match the exact posterior mean and SD, and with one-at-a-time updates
 * (as when a crossed model's joint block is too big and gets split) the chains mix far better
 * with the moves than without (mu and the two sets of effects trade a common shift slowly).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBundledEngine } from '../../src/bugs/run.js';
import { compileModel } from '../../src/bugs/compile.js';
import { parseModel } from '../../src/bugs/parse.js';
import { findShiftSamplers } from '../../src/bugs/samplers/shift.js';
import { readRDump } from '../../src/data/rdump.js';
import { readSamples, summarizeSamples } from '../../src/jags/jags-cli.js';

const MS = 6;
const MD = 5;
const PER_CELL = 20;

const MODEL = `model {
  for (i in 1:n) {
    y[i] ~ dnorm(a[s[i]] + b[d[i]], 1)
  }
  for (j in 1:ms) {
    a[j] ~ dnorm(mu, 4)
  }
  for (k in 1:md) {
    b[k] ~ dnorm(0, 4)
  }
  mu ~ dnorm(0, 0.0001)
}
`;

function data(): { y: number[]; s: number[]; d: number[] } {
  const y: number[] = [];
  const s: number[] = [];
  const d: number[] = [];
  let u = 12345;
  const unif = () => ((u = (Math.imul(u, 1103515245) + 12345) >>> 0) + 0.5) / 2 ** 32;
  const normal = () => Math.sqrt(-2 * Math.log(unif())) * Math.cos(2 * Math.PI * unif());
  for (let j = 1; j <= MS; j++) {
    for (let k = 1; k <= MD; k++) {
      for (let r = 0; r < PER_CELL; r++) {
        s.push(j);
        d.push(k);
        y.push(3 + 0.5 * Math.sin(j) + 0.4 * Math.cos(k) + normal());
      }
    }
  }
  return { y, s, d };
}

const dump = (name: string, xs: readonly number[], integer: boolean) =>
  `${name} <- c(${xs.map((x) => (integer ? `${x}L` : x.toPrecision(17).replace(/e\+?/, 'e+').replace('e+-', 'e-'))).join(', ')})\n`;

function writeModel(dir: string, iter: number): void {
  const { y, s, d } = data();
  writeFileSync(join(dir, 'model.jags'), MODEL);
  writeFileSync(join(dir, 'data.R'), dump('y', y, false) + dump('s', s, true) + dump('d', d, true) + `n <- ${y.length}L\nms <- ${MS}L\nmd <- ${MD}L\n`);
  for (const c of [1, 2]) writeFileSync(join(dir, `inits${c}.R`), `mu <- ${c === 1 ? -2 : 8}\n".RNG.name" <- "base::Mersenne-Twister"\n".RNG.seed" <- ${c}L\n`);
  writeFileSync(
    join(dir, 'run.cmd'),
    ['model in "model.jags"', 'data in "data.R"', 'compile, nchains(2)', 'parameters in "inits1.R", chain(1)', 'parameters in "inits2.R", chain(2)', 'initialize', 'update 200', 'monitor mu', 'monitor a', 'monitor b', `update ${iter}`, 'coda *', 'exit', ''].join('\n'),
  );
}

/** The exact posterior mean and SD of (mu, a, b): Gaussian with precision Q and Q·m = h. */
function exactPosterior(): { mean: number[]; sd: number[] } {
  const { y, s, d } = data();
  const K = 1 + MS + MD;
  const Q = Array.from({ length: K }, () => new Float64Array(K));
  const h = new Float64Array(K);
  Q[0][0] += 0.0001;
  for (let j = 0; j < MS; j++) {
    const a = 1 + j;
    Q[a][a] += 4;
    Q[0][0] += 4;
    Q[a][0] -= 4;
    Q[0][a] -= 4;
  }
  for (let k = 0; k < MD; k++) Q[1 + MS + k][1 + MS + k] += 4;
  y.forEach((yi, i) => {
    const a = s[i];
    const b = MS + d[i];
    Q[a][a] += 1;
    Q[b][b] += 1;
    Q[a][b] += 1;
    Q[b][a] += 1;
    h[a] += yi;
    h[b] += yi;
  });
  // Invert Q by Gauss-Jordan (K = 12).
  const A = Q.map((row, i) => [...row, ...Array.from({ length: K }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < K; c++) {
    let p = c;
    for (let r = c + 1; r < K; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    [A[c], A[p]] = [A[p], A[c]];
    const piv = A[c][c];
    for (let j = 0; j < 2 * K; j++) A[c][j] /= piv;
    for (let r = 0; r < K; r++) {
      if (r === c) continue;
      const f = A[r][c];
      for (let j = 0; j < 2 * K; j++) A[r][j] -= f * A[c][j];
    }
  }
  const inv = A.map((row) => row.slice(K));
  const mean = inv.map((row) => row.reduce((acc, x, j) => acc + x * h[j], 0));
  return { mean, sd: inv.map((row, i) => Math.sqrt(row[i])) };
}

describe('bundled engine: shift moves for crossed effects', () => {
  it('finds the crossed direction (mu and a up, b down) and no other', () => {
    const { y, s, d } = data();
    const text = dump('y', y, false) + dump('s', s, true) + dump('d', d, true) + `n <- ${y.length}L\nms <- ${MS}L\nmd <- ${MD}L\n`;
    const model = compileModel(parseModel(MODEL, 'model.jags'), MODEL, 'model.jags', readRDump(text, 'data.R'));
    const found = findShiftSamplers(model);
    assert.equal(found.length, 1);
    const labels = found[0].nodes.map((id) => model.nodes[id].label);
    assert.ok(labels.includes('mu') && labels.includes('a[6]') && labels.includes('b[5]'));
    assert.equal(labels.length, 1 + MS + MD);
  });
  it('draws the exact posterior, and mixes where one-at-a-time updates crawl', async () => {
    const exact = exactPosterior();
    const run = async (shift: boolean, blocks = true) => {
      const dir = mkdtempSync(join(tmpdir(), 'lmer2jags-shift-'));
      try {
        writeModel(dir, 2000);
        await runBundledEngine(dir, { threads: 1, quiet: true, samplers: { shift, blocks } });
        return new Map(summarizeSamples(readSamples(dir)).nodes.map((x) => [x.name, x]));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const withShift = await run(true);
    // One-at-a-time updates (no joint block) trade the common shift slowly; the moves fix that.
    const single = await run(true, false);
    const without = await run(false, false);
    const names = ['mu', ...Array.from({ length: MS }, (_, j) => `a[${j + 1}]`), ...Array.from({ length: MD }, (_, k) => `b[${k + 1}]`)];
    names.forEach((name, i) => {
      const x = withShift.get(name);
      assert.ok(x, name);
      const z = (x.mean - exact.mean[i]) / x.mcse;
      assert.ok(Math.abs(z) < 4.5, `${name}: posterior mean ${x.mean} vs exact ${exact.mean[i]} (MCSE ${x.mcse})`);
      assert.ok(Math.abs(x.sd / exact.sd[i] - 1) < 0.12, `${name}: posterior SD ${x.sd} vs exact ${exact.sd[i]}`);
    });
    const essWith = single.get('mu')!.essBulk;
    const essWithout = without.get('mu')!.essBulk;
    assert.ok(essWith > 5 * essWithout, `ESS of mu ${essWith} with shift moves, ${essWithout} without`);
  });
});
