import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, splitmix64, normalQuantile } from '../../src/mcmc/rng.js';
import { InternalError } from '../../src/errors.js';

const M64 = (1n << 64n) - 1n;
const hex = (x: bigint) => x.toString(16).padStart(16, '0');

/** A plain 64-bit BigInt xoshiro256** state step, written independently of the fast one. */
function refStep(s: bigint[]): bigint {
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & M64;
  const result = (rotl((s[1] * 5n) & M64, 7n) * 9n) & M64;
  const t = (s[1] << 17n) & M64;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45n);
  return result;
}

function words(r: Rng): bigint[] {
  return r.state().s.map((h) => BigInt(`0x${h}`));
}

test('splitmix64 reproduces its published first outputs for seed 0', () => {
  let s = 0n;
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = splitmix64(s);
    s = r.state;
    out.push(hex(r.value));
  }
  assert.deepEqual(out, ['e220a8397b1dcdaf', '6e789e6aa1b965f4', '06c45d188009454f']);
  assert.deepEqual(Rng.fromSeed(0).state().s.slice(0, 3), out);
});

test('xoshiro256** outputs and jumps match a 64-bit C implementation', () => {
  // From a C program with uint64_t arithmetic: state from splitmix64(42), five outputs,
  // then two jumps and three more outputs.
  const r = Rng.fromSeed(42);
  const first = Array.from({ length: 5 }, () => hex(r.nextUint64()));
  assert.deepEqual(first, ['15780b2e0c2ec716', '6104d9866d113a7e', 'ae17533239e499a1', 'ecb8ad4703b360a1', 'fde6dc7fe2ec5e64']);
  r.jump();
  r.jump();
  const after = Array.from({ length: 3 }, () => hex(r.nextUint64()));
  assert.deepEqual(after, ['8fd2e461c1f09d36', 'b6218b78ad2b9162', '6eec755de4403aeb']);
});

test('the 32-bit implementation agrees with 64-bit BigInt arithmetic on many states', () => {
  for (const seed of [1, 2, 123456789, -5, 2 ** 52 + 7]) {
    const fast = Rng.fromSeed(seed);
    const s = words(fast);
    for (let i = 0; i < 2000; i++) {
      const want = refStep(s);
      assert.equal(fast.nextUint64(), want, `seed ${seed}, draw ${i}`);
    }
    assert.deepEqual(words(fast), s);
  }
});

test('uniform() is the top 53 bits of the output; uniformOpen() stays inside (0, 1)', () => {
  const a = Rng.fromSeed(9);
  const b = Rng.fromSeed(9);
  for (let i = 0; i < 1000; i++) {
    const x = a.nextUint64();
    assert.equal(b.uniform(), Number(x >> 11n) / 2 ** 53);
  }
  const r = Rng.fromSeed(10);
  for (let i = 0; i < 20000; i++) {
    const u = r.uniformOpen();
    assert.ok(u > 0 && u < 1);
  }
});

/** Multiply 256x256 GF(2) matrices stored as rows of eight 32-bit words. */
function gf2Mul(a: Uint32Array[], b: Uint32Array[]): Uint32Array[] {
  return a.map((row) => {
    const out = new Uint32Array(8);
    for (let j = 0; j < 256; j++) {
      if ((row[j >>> 5] >>> (j & 31)) & 1) {
        const bj = b[j];
        for (let w = 0; w < 8; w++) out[w] ^= bj[w];
      }
    }
    return out;
  });
}

test('jump() equals 2^128 steps (the step matrix squared 128 times over GF(2))', () => {
  // The state update is linear over GF(2). Column j of its matrix is the step applied to unit
  // vector e_j; bit 64w + b of the state is bit b of word w.
  const toBits = (s: bigint[]) => {
    const v = new Uint32Array(8);
    s.forEach((w, k) => {
      v[2 * k] = Number(w & 0xffffffffn);
      v[2 * k + 1] = Number(w >> 32n);
    });
    return v;
  };
  const rows = Array.from({ length: 256 }, () => new Uint32Array(8));
  for (let j = 0; j < 256; j++) {
    const s = [0n, 0n, 0n, 0n];
    s[j >> 6] = 1n << BigInt(j & 63);
    refStep(s);
    const col = toBits(s);
    for (let i = 0; i < 256; i++) {
      if ((col[i >>> 5] >>> (i & 31)) & 1) rows[i][j >>> 5] |= 1 << (j & 31);
    }
  }
  let p: Uint32Array[] = rows;
  for (let k = 0; k < 128; k++) p = gf2Mul(p, p);

  const r = Rng.fromSeed(2024);
  const before = toBits(words(r));
  r.jump();
  const after = toBits(words(r));
  for (let i = 0; i < 256; i++) {
    let parity = 0;
    for (let w = 0; w < 8; w++) {
      let x = p[i][w] & before[w];
      while (x) {
        parity ^= 1;
        x &= x - 1;
      }
    }
    assert.equal((after[i >>> 5] >>> (i & 31)) & 1, parity, `state bit ${i}`);
  }
});

test('a fixed seed gives a fixed sequence; streams are jumps and differ', () => {
  const a = Rng.fromSeed(123);
  const b = Rng.fromSeed(123);
  const xs = Array.from({ length: 50 }, () => a.normal());
  assert.deepEqual(Array.from({ length: 50 }, () => b.normal()), xs);
  assert.notDeepEqual(Array.from({ length: 5 }, () => Rng.fromSeed(124).uniform()), xs.slice(0, 5));

  const s2 = Rng.stream(123, 2);
  const manual = Rng.fromSeed(123);
  manual.jump();
  manual.jump();
  assert.deepEqual(s2.state(), manual.state());
  assert.deepEqual(Rng.stream(123, 0).state(), Rng.fromSeed(123).state());
  const u0 = Rng.stream(123, 0).uniform();
  const u1 = Rng.stream(123, 1).uniform();
  assert.notEqual(u0, u1);
  // Whatever else runs, stream k of a seed starts at the same place.
  assert.equal(Rng.stream(123, 1).uniform(), u1);
  assert.equal(Rng.fromSeed(7n).uniform(), Rng.fromSeed(7).uniform());
});

test('state() survives JSON and resumes the same sequence; clone() is independent', () => {
  const r = Rng.fromSeed(5);
  for (let i = 0; i < 17; i++) r.gamma(0.7);
  const saved = JSON.parse(JSON.stringify(r.state()));
  const resumed = Rng.fromState(saved);
  const c = r.clone();
  const next = [r.normal(), r.beta(2, 3), r.uniform()];
  assert.deepEqual([resumed.normal(), resumed.beta(2, 3), resumed.uniform()], next);
  assert.deepEqual([c.normal(), c.beta(2, 3), c.uniform()], next);
  assert.throws(() => Rng.fromState({ algorithm: 'xoshiro256**', s: ['0', '1', '2', '3'] }), InternalError);
  assert.throws(() => Rng.fromState({ algorithm: 'xoshiro256**', s: ['0'.repeat(16), '0'.repeat(16), '0'.repeat(16), '0'.repeat(16)] }), InternalError);
  assert.throws(() => Rng.fromSeed(0.5), InternalError);
  assert.throws(() => Rng.stream(1, -1), InternalError);
});

test('normalQuantile matches R qnorm (AS 241) to 1e-15', () => {
  // R 4.2.2: qnorm(p), printed with %.17g
  const ref: [number, number][] = [
    [1e-300, -37.047096299361201], [1e-20, -9.2623400897984052], [1e-12, -7.0344838253011321],
    [1e-5, -4.2648907939228256], [0.001, -3.0902323061678132], [0.025, -1.9599639845400538],
    [0.07, -1.4757910281791702], [0.2, -0.84162123357291418], [0.5, 0], [0.6, 0.25334710313579978],
    [0.925, 1.4395314709384559], [0.975, 1.9599639845400536], [0.999999, 4.7534243088170891],
  ];
  for (const [p, q] of ref) {
    const got = normalQuantile(p);
    assert.ok(Math.abs(got - q) <= 1e-15 * Math.max(1, Math.abs(q)), `qnorm(${p}) = ${got}, R ${q}`);
  }
  assert.equal(normalQuantile(0), -Infinity);
  assert.equal(normalQuantile(1), Infinity);
  assert.ok(Number.isNaN(normalQuantile(1.5)));
  assert.ok(Number.isNaN(normalQuantile(NaN)));
});

/** Sample mean and variance of n draws, and a check within k standard errors. */
function moments(n: number, draw: () => number): { mean: number; variance: number; m3: number; m4: number } {
  let s = 0;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = draw();
    s += xs[i];
  }
  const mean = s / n;
  let v = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - mean;
    v += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  return { mean, variance: v / (n - 1), m3: m3 / n, m4: m4 / n };
}

/** |est − truth| within 5 standard errors (se computed from the true distribution). */
function within(est: number, truth: number, se: number, what: string): void {
  assert.ok(Math.abs(est - truth) <= 5 * se, `${what}: ${est} vs ${truth} (se ${se})`);
}

test('uniform, normal and exponential moments', () => {
  const n = 200000;
  const r = Rng.fromSeed(11);
  const u = moments(n, () => r.uniform());
  within(u.mean, 0.5, Math.sqrt(1 / 12 / n), 'uniform mean');
  within(u.variance, 1 / 12, Math.sqrt((1 / 80 - 1 / 144) / n), 'uniform variance');

  const z = moments(n, () => r.normal(3, 2));
  within(z.mean, 3, 2 / Math.sqrt(n), 'normal mean');
  within(z.variance, 4, 4 * Math.sqrt(2 / n), 'normal variance');
  within(z.m3 / 8, 0, Math.sqrt(15 / n), 'normal skewness');
  within(z.m4 / 16, 3, Math.sqrt(96 / n), 'normal kurtosis');

  const e = moments(n, () => r.exponential(2));
  within(e.mean, 0.5, 0.5 / Math.sqrt(n), 'exponential mean');
  within(e.variance, 0.25, Math.sqrt((9 / 16 - 1 / 16) / n), 'exponential variance');
});

test('gamma moments for shapes below and above 1', () => {
  const n = 100000;
  const r = Rng.fromSeed(12);
  for (const [shape, rate] of [[0.05, 1], [0.3, 2], [1, 0.5], [2.5, 2], [40, 3]]) {
    const g = moments(n, () => r.gamma(shape, rate));
    const mean = shape / rate;
    const variance = shape / rate ** 2;
    within(g.mean, mean, Math.sqrt(variance / n), `gamma(${shape}, ${rate}) mean`);
    // var of the sample variance: (mu4 - sigma^4) / n, mu4 = 3a(a+2)/rate^4 for a gamma
    const mu4 = (3 * shape * (shape + 2)) / rate ** 4;
    within(g.variance, variance, Math.sqrt((mu4 - variance ** 2) / n), `gamma(${shape}, ${rate}) variance`);
  }
  // log-gamma stays finite when the variate itself underflows
  const lg = r.logGamma(0.001);
  assert.ok(Number.isFinite(lg));
});

test('beta and chi-square moments', () => {
  const n = 100000;
  const r = Rng.fromSeed(13);
  for (const [a, b] of [[0.5, 0.5], [2, 5], [0.1, 0.2], [30, 1.5]]) {
    const x = moments(n, () => r.beta(a, b));
    const mean = a / (a + b);
    const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    within(x.mean, mean, Math.sqrt(variance / n), `beta(${a}, ${b}) mean`);
    // bounded in [0, 1], so the variance estimate's sd is at most sqrt(variance / n)
    within(x.variance, variance, Math.sqrt(variance / n), `beta(${a}, ${b}) variance`);
  }
  for (let i = 0; i < 1000; i++) {
    const v = r.beta(0.01, 0.01);
    assert.ok(v >= 0 && v <= 1 && !Number.isNaN(v));
  }
  const c = moments(n, () => r.chisq(3));
  within(c.mean, 3, Math.sqrt(6 / n), 'chisq(3) mean');
  within(c.variance, 6, Math.sqrt((12 * 3 * 7 - 36) / n), 'chisq(3) variance');
});

test('uniformInt covers its range evenly; bad parameters are internal errors', () => {
  const r = Rng.fromSeed(14);
  const counts = new Array<number>(6).fill(0);
  for (let i = 0; i < 60000; i++) counts[r.uniformInt(6)]++;
  for (const c of counts) within(c, 10000, Math.sqrt(60000 * (1 / 6) * (5 / 6)), 'uniformInt count');
  assert.throws(() => r.uniformInt(0), InternalError);
  assert.throws(() => r.gamma(0), InternalError);
  assert.throws(() => r.gamma(1, -1), InternalError);
  assert.throws(() => r.beta(1, 0), InternalError);
  assert.throws(() => r.chisq(-2), InternalError);
});
