/**
 * The random numbers of the bundled sampler: xoshiro256** (Blackman & Vigna 2018), seeded
 * through splitmix64, with per-chain streams 2^128 draws apart (the generator's jump
 * polynomial), so chain k's draws do not depend on how many chains or threads run.
 *
 * The 64-bit generator runs on pairs of 32-bit integers (no BigInt on the hot path); BigInt
 * is used only for seeding and for the serialisable state. Variates:
 * - uniform(): 53 random bits, in [0, 1); uniformOpen(): 52 bits, in (0, 1);
 * - normal(): inversion of an open uniform through Wichura's AS 241 quantile (one uniform per
 *   normal, no cached spare, so the state is just the generator's 256 bits);
 * - gamma(): Marsaglia & Tsang (2000), boosted by U^(1/a) for shape a < 1;
 * - beta(): from two gammas, in log space when a shape is below 1 (no 0/0 underflow);
 * - chisq(), exponential(), uniformInt().
 */

import { assert } from '../errors.js';

/** The generator's state in a JSON-friendly form: four 64-bit words as 16 hex digits each. */
export interface RngState {
  readonly algorithm: 'xoshiro256**';
  readonly s: readonly [string, string, string, string];
}

const TWO32 = 4294967296;
const TWO_M53 = 1.1102230246251565e-16; // 2^-53
const TWO_M52 = 2.220446049250313e-16; // 2^-52
const MASK64 = (1n << 64n) - 1n;

/** The xoshiro256 jump polynomial: applying it equals 2^128 calls of the generator. */
const JUMP: readonly bigint[] = [0x180ec6d33cfd0aban, 0xd5a61266f0c9392cn, 0xa9582618e03fc9aan, 0x39abdc4529b1661cn];

/** splitmix64: the recommended way to turn one 64-bit seed into xoshiro's 256-bit state. */
export function splitmix64(state: bigint): { value: bigint; state: bigint } {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return { value: z ^ (z >> 31n), state: next };
}

export class Rng {
  // State words s0..s3 as (low, high) 32-bit halves, kept as int32.
  private a0 = 0;
  private b0 = 0;
  private a1 = 0;
  private b1 = 0;
  private a2 = 0;
  private b2 = 0;
  private a3 = 0;
  private b3 = 0;
  // The last 64-bit output, as unsigned 32-bit halves.
  private outLo = 0;
  private outHi = 0;

  private constructor(words: readonly bigint[]) {
    this.setWords(words);
  }

  /** A generator seeded from a non-negative or negative integer (taken modulo 2^64). */
  static fromSeed(seed: number | bigint): Rng {
    let s: bigint;
    if (typeof seed === 'bigint') s = BigInt.asUintN(64, seed);
    else {
      assert(Number.isSafeInteger(seed), `Rng seed must be a safe integer, got ${seed}`);
      s = BigInt.asUintN(64, BigInt(seed));
    }
    const words: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      const r = splitmix64(s);
      s = r.state;
      words.push(r.value);
    }
    return new Rng(words);
  }

  /**
   * Stream `index` (0, 1, 2, …) of a seed: the seeded generator jumped `index` times, so
   * streams are 2^128 draws apart and never overlap in practice.
   */
  static stream(seed: number | bigint, index: number): Rng {
    assert(Number.isInteger(index) && index >= 0, `Rng stream index must be a non-negative integer, got ${index}`);
    const rng = Rng.fromSeed(seed);
    for (let k = 0; k < index; k++) rng.jump();
    return rng;
  }

  /** A generator restored from `state()`. */
  static fromState(state: RngState): Rng {
    assert(state.algorithm === 'xoshiro256**', `unknown RNG algorithm ${String(state.algorithm)}`);
    assert(Array.isArray(state.s) && state.s.length === 4, 'RNG state must hold four words');
    const words = state.s.map((h) => {
      assert(typeof h === 'string' && /^[0-9a-f]{16}$/.test(h), `bad RNG state word ${String(h)}`);
      return BigInt(`0x${h}`);
    });
    return new Rng(words);
  }

  /** The current state; `Rng.fromState(r.state())` continues exactly where `r` is. */
  state(): RngState {
    const w = this.words();
    const hex = (x: bigint) => x.toString(16).padStart(16, '0');
    return { algorithm: 'xoshiro256**', s: [hex(w[0]), hex(w[1]), hex(w[2]), hex(w[3])] };
  }

  /** An independent copy at the same position. */
  clone(): Rng {
    return new Rng(this.words());
  }

  /** Advances the generator by 2^128 steps. */
  jump(): void {
    let c0 = 0n;
    let c1 = 0n;
    let c2 = 0n;
    let c3 = 0n;
    for (const poly of JUMP) {
      for (let b = 0n; b < 64n; b++) {
        if ((poly >> b) & 1n) {
          const w = this.words();
          c0 ^= w[0];
          c1 ^= w[1];
          c2 ^= w[2];
          c3 ^= w[3];
        }
        this.step();
      }
    }
    this.setWords([c0, c1, c2, c3]);
  }

  /** The next raw 64-bit output, as a BigInt (for tests and state checks; slow). */
  nextUint64(): bigint {
    this.step();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  /** The upper 32 bits of the next output, as an unsigned integer. */
  nextUint32(): number {
    this.step();
    return this.outHi;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    this.step();
    return (this.outHi * 2097152 + (this.outLo >>> 11)) * TWO_M53;
  }

  /**
   * A uniform double in (0, 1): the midpoints of a 2^52 grid (52 random bits, so that k + 0.5
   * is exact), from 2^-53 to 1 - 2^-53, never 0 or 1.
   */
  uniformOpen(): number {
    this.step();
    return (this.outHi * 1048576 + (this.outLo >>> 12) + 0.5) * TWO_M52;
  }

  /** An integer in [0, n) for 1 <= n <= 2^32 (bias below n / 2^53). */
  uniformInt(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n <= TWO32)) fail(`uniformInt: bad range ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** A normal variate with the given mean and standard deviation. */
  normal(mean = 0, sd = 1): number {
    return mean + sd * normalQuantile(this.uniformOpen());
  }

  /** An exponential variate with the given rate. */
  exponential(rate = 1): number {
    return -Math.log(this.uniformOpen()) / rate;
  }

  /** A gamma variate with the given shape and rate (mean shape / rate), as JAGS's dgamma. */
  gamma(shape: number, rate = 1): number {
    if (!(shape > 0 && Number.isFinite(shape) && rate > 0)) fail(`gamma: bad shape ${shape} or rate ${rate}`);
    if (shape >= 1) return this.gammaAtLeastOne(shape) / rate;
    // Boost: G(a) = G(a + 1) * U^(1/a); in log space the product cannot underflow early.
    return Math.exp(this.logGamma(shape)) / rate;
  }

  /** log of a Gamma(shape, 1) variate, accurate even when the variate underflows. */
  logGamma(shape: number): number {
    if (!(shape > 0 && Number.isFinite(shape))) fail(`logGamma: bad shape ${shape}`);
    if (shape >= 1) return Math.log(this.gammaAtLeastOne(shape));
    return Math.log(this.gammaAtLeastOne(shape + 1)) + Math.log(this.uniformOpen()) / shape;
  }

  /** A beta variate with shapes a, b. */
  beta(a: number, b: number): number {
    if (!(a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b))) fail(`beta: bad shapes ${a}, ${b}`);
    if (a >= 1 && b >= 1) {
      const x = this.gammaAtLeastOne(a);
      const y = this.gammaAtLeastOne(b);
      return x / (x + y);
    }
    const lx = this.logGamma(a);
    const ly = this.logGamma(b);
    // x / (x + y) = 1 / (1 + exp(ly - lx)), stable for tiny x and y.
    const d = ly - lx;
    return d > 0 ? Math.exp(-d) / (1 + Math.exp(-d)) : 1 / (1 + Math.exp(d));
  }

  /** A chi-square variate with `df` degrees of freedom. */
  chisq(df: number): number {
    if (!(df > 0 && Number.isFinite(df))) fail(`chisq: bad df ${df}`);
    return 2 * this.gamma(df / 2, 1);
  }

  /** Marsaglia & Tsang's squeeze-and-reject method for Gamma(shape >= 1, 1). */
  private gammaAtLeastOne(shape: number): number {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normalQuantile(this.uniformOpen());
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniformOpen();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** One xoshiro256** step: sets outLo/outHi and advances the state. */
  private step(): void {
    const a1 = this.a1;
    const b1 = this.b1;
    // m = s1 * 5 (64-bit), with the low half's carry added to the high half.
    let p = (a1 >>> 0) * 5;
    const ml = p >>> 0;
    const mh = (Math.imul(b1, 5) + Math.floor(p / TWO32)) | 0;
    // r = rotl(m, 7)
    const rl = (ml << 7) | (mh >>> 25);
    const rh = (mh << 7) | (ml >>> 25);
    // out = r * 9
    p = (rl >>> 0) * 9;
    this.outLo = p >>> 0;
    this.outHi = (Math.imul(rh, 9) + Math.floor(p / TWO32)) >>> 0;

    // t = s1 << 17
    const tl = a1 << 17;
    const th = (b1 << 17) | (a1 >>> 15);
    // s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
    const a2 = this.a2 ^ this.a0;
    const b2 = this.b2 ^ this.b0;
    const a3 = this.a3 ^ a1;
    const b3 = this.b3 ^ b1;
    this.a1 = a1 ^ a2;
    this.b1 = b1 ^ b2;
    this.a0 ^= a3;
    this.b0 ^= b3;
    this.a2 = a2 ^ tl;
    this.b2 = b2 ^ th;
    // rotl by 45 = swap halves (rotl 32), then rotl 13.
    this.a3 = (b3 << 13) | (a3 >>> 19);
    this.b3 = (a3 << 13) | (b3 >>> 19);
  }

  private words(): bigint[] {
    const w = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    return [w(this.a0, this.b0), w(this.a1, this.b1), w(this.a2, this.b2), w(this.a3, this.b3)];
  }

  private setWords(words: readonly bigint[]): void {
    assert(words.length === 4, 'RNG state must hold four words');
    assert(words.some((w) => w !== 0n), 'xoshiro256** state must not be all zero');
    const lo = (x: bigint) => Number(x & 0xffffffffn) | 0;
    const hi = (x: bigint) => Number((x >> 32n) & 0xffffffffn) | 0;
    this.a0 = lo(words[0]);
    this.b0 = hi(words[0]);
    this.a1 = lo(words[1]);
    this.b1 = hi(words[1]);
    this.a2 = lo(words[2]);
    this.b2 = hi(words[2]);
    this.a3 = lo(words[3]);
    this.b3 = hi(words[3]);
  }
}

// ---------------------------------------------------------------------------------------------
// The standard normal quantile, Wichura (1988) Algorithm AS 241 (PPND16), about 1e-16 relative.

const A = [3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
  45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727];
const B = [1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
  21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852854561];
const C = [1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
  1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4];
const D = [1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
  0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9];
const E = [6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
  0.026532189526576123093, 1.2426609473880784386e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7];
const F = [1, 0.5998322065558879377, 0.13692988092273580531, 0.0148753612908506148525,
  7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15];

/** Degree-7 polynomial with coefficients lowest order first, by Horner's rule. */
function poly7(c: readonly number[], x: number): number {
  return ((((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]) * x + c[0];
}

/** Φ⁻¹(p): the standard normal quantile. ±Infinity at 0 and 1, NaN outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly7(A, r)) / poly7(B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val = poly7(C, r) / poly7(D, r);
  } else {
    r -= 5;
    val = poly7(E, r) / poly7(F, r);
  }
  return q < 0 ? -val : val;
}

/**
 * A failed check of a draw's arguments. The hot paths test the condition themselves and call
 * this only on failure: assert(cond, `…${x}`) would build its message on every draw.
 */
function fail(message: string): never {
  assert(false, message);
}
