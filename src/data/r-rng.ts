/**
 * R's default random number generator, reproduced so that `lmer2jags simulate --seed 1` makes
 * exactly the data R makes after `set.seed(1)` (the seed post's example):
 * Mersenne-Twister (MT19937) seeded as R's set.seed does (an LCG scramble), uniforms fixed
 * into (0, 1), and normals by inversion with two uniforms for 2^-27 extra precision, as R's
 * default normal.kind "Inversion" does, through Wichura's AS 241 quantile function.
 */
import { normalQuantile as qnorm } from '../mcmc/rng.js';

const N = 624;
const M = 397;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const MATRIX_A = 0x9908b0df;
const TWO_POW_32_INV = 2.3283064365386963e-10;
const I2_32M1 = 2.328306437080797e-10; // 1 / (2^32 - 1)

export class RRandom {
  private readonly mt = new Uint32Array(N);
  private mti = N;

  /** Equivalent of R's set.seed(seed) with kind "Mersenne-Twister". */
  constructor(seed: number) {
    let s = seed >>> 0;
    const lcg = () => {
      s = (Math.imul(69069, s) + 1) >>> 0;
      return s;
    };
    for (let j = 0; j < 50; j++) lcg();
    lcg(); // the first of R's 625 seed words is the position counter, reset to N below
    for (let j = 0; j < N; j++) this.mt[j] = lcg();
    this.mti = N;
  }

  private genrand(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      let y: number;
      for (; kk < N - M; kk++) {
        y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
      mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return (y >>> 0) * TWO_POW_32_INV;
  }

  /** R's unif_rand(): a uniform strictly inside (0, 1). */
  unif(): number {
    const v = this.genrand();
    if (v <= 0) return 0.5 * I2_32M1;
    if (1 - v <= 0) return 1 - 0.5 * I2_32M1;
    return v;
  }

  /** R's norm_rand() with normal.kind "Inversion". */
  norm(): number {
    const BIG = 134217728; // 2^27
    let u = this.unif();
    u = Math.trunc(BIG * u) + this.unif();
    return qnorm(u / BIG);
  }

  /** rnorm(n, mean, sd). */
  rnorm(n: number, mean = 0, sd = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + sd * this.norm();
    return out;
  }
}
