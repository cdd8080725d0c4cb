/**
 * The profiled REML criterion / ML deviance of a linear mixed model as a function of θ, by
 * penalized least squares on the blocks of blocks.ts (Bates et al. 2015, JSS 67(1), §3):
 *
 *   L Lᵀ = [ΛᵀZᵀZΛ + I, ΛᵀZᵀX, ΛᵀZᵀy; …, XᵀX, Xᵀy; …, …, yᵀy]   (blocked, lower)
 *
 * The XY block of the factor holds R_Xᵀ (first p rows/columns), and its last row holds the
 * solution of the fixed effects and, on the diagonal, √r² (the penalized residual sum of squares).
 * An evaluation scales the stored blocks by Λ(θ) and factors them; nothing depends on n.
 */
import { Lmer2JagsError, assert } from '../errors.js';
import type { PlsBlocks, SparsePattern } from './blocks.js';
import {
  backSolve,
  choleskyInPlace,
  forwardSolve,
  invertLower,
  invertLowerTransposed,
  logDet2,
  solveRowsLowerT,
  subtractABt,
} from './cholesky.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The factorization broke down at some θ: the fixed-effects part lost its rank ('rank': X is
 * collinear, or at an extreme θ the random effects absorb a fixed-effect column) or the
 * penalized residual sum of squares is zero ('exact'). fitLmer turns it into a message that
 * says which, and where.
 */
export class DegenerateFitError extends Lmer2JagsError {
  constructor(
    readonly reason: 'rank' | 'exact',
    message: string,
    options: { hint?: string } = {},
  ) {
    super(message, options);
  }
}

/** The pieces of one evaluation, enough for the criterion and σ. */
export interface PlsState {
  /** log |L_Z|² (the random-effects part of the factor). */
  readonly ldL2: number;
  /** log |R_X|². */
  readonly ldRX2: number;
  /** Penalized weighted residual sum of squares r². */
  readonly pwrss: number;
}

export class PlsObjective {
  readonly blocks: PlsBlocks;
  readonly reml: boolean;
  /** Number of evaluations so far. */
  evaluations = 0;

  /** Per term: the q×q template T (row-major, lower). */
  private readonly T: Float64Array[];
  /** Per term: the factor's diagonal block (ℓ q×q blocks, or dense dim × dim). */
  private readonly diag: Float64Array[];
  /** off[i][j], i > j: sparse entry values (qᵢ×qⱼ each) or dense dimᵢ × dimⱼ. */
  private readonly off: (Float64Array | undefined)[][];
  /** Per term: XY rows against the term, (p+1) × dim. */
  private readonly xy: Float64Array[];
  /** (p+1) × (p+1). */
  private readonly xyxy: Float64Array;
  /** Scratch for small products. */
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  /** Term 0's downdate of the XY block (lower triangle, packed by rows) and one level's XY values. */
  private readonly acc: Float64Array;
  private readonly zrow: Float64Array;
  private ldL2 = 0;
  private ldRX2 = 0;
  private pwrss = 0;
  private readonly thetaNow: Float64Array;
  private factored = false;

  constructor(blocks: PlsBlocks, reml: boolean) {
    this.blocks = blocks;
    this.reml = reml;
    const K = blocks.terms.length;
    const p1 = blocks.p + 1;
    this.T = blocks.terms.map((t) => new Float64Array(t.q * t.q));
    this.diag = blocks.terms.map((t, j) =>
      blocks.diagKind[j] === 'bd' ? new Float64Array(t.nl * t.q * t.q) : new Float64Array(t.dim * t.dim),
    );
    this.off = [];
    for (let i = 0; i < K; i++) {
      const row: (Float64Array | undefined)[] = [];
      for (let j = 0; j < K; j++) {
        if (j >= i) row.push(undefined);
        else if (blocks.offKind[i][j] === 'sp') {
          const pat = blocks.offPattern[i][j] as SparsePattern;
          row.push(new Float64Array(pat.rowIdx.length * blocks.terms[i].q * blocks.terms[j].q));
        } else row.push(new Float64Array(blocks.terms[i].dim * blocks.terms[j].dim));
      }
      this.off.push(row);
    }
    this.xy = blocks.terms.map((t) => new Float64Array(p1 * t.dim));
    this.xyxy = new Float64Array(p1 * p1);
    const qmax = Math.max(...blocks.terms.map((t) => t.q));
    this.s1 = new Float64Array(qmax * qmax);
    this.s2 = new Float64Array(qmax * qmax);
    this.acc = new Float64Array((p1 * (p1 + 1)) / 2);
    this.zrow = new Float64Array(p1 * blocks.terms[0].q);
    this.thetaNow = new Float64Array(blocks.nTheta);
  }

  /** The criterion (REML or ML, as constructed) at θ. */
  evaluate(theta: ArrayLike<number>): number {
    this.factor(theta);
    return this.criterion(this.reml);
  }

  /** The REML criterion (reml = true) or ML deviance of the last factorization. */
  criterion(reml: boolean): number {
    assert(this.factored, 'criterion after factor');
    const n = this.blocks.n;
    const p = this.blocks.p;
    if (reml) {
      const nmp = n - p;
      return this.ldL2 + this.ldRX2 - this.blocks.logDetW + nmp * (1 + LOG_2PI + Math.log(this.pwrss / nmp));
    }
    return this.ldL2 - this.blocks.logDetW + n * (1 + LOG_2PI + Math.log(this.pwrss / n));
  }

  state(): PlsState {
    assert(this.factored, 'state after factor');
    return { ldL2: this.ldL2, ldRX2: this.ldRX2, pwrss: this.pwrss };
  }

  /** Scale the stored blocks by Λ(θ) and factor; afterwards the criterion pieces are set. */
  factor(theta: ArrayLike<number>): void {
    const B = this.blocks;
    assert(theta.length === B.nTheta, 'θ has the model length');
    this.evaluations++;
    for (let k = 0; k < B.nTheta; k++) this.thetaNow[k] = theta[k];
    this.setTemplates(theta);
    this.load();
    const K = B.terms.length;
    const p1 = B.p + 1;
    // The first term's diagonal block is block-diagonal: scaled, factored, its XY rows solved
    // and their downdate of the XY block accumulated in one pass over its levels.
    const ld0 = this.firstTerm();
    for (let j = 0; j < K; j++) {
      if (j > 0) {
        for (let m = 0; m < j; m++) {
          this.updateDiag(j, m);
          for (let i = j + 1; i < K; i++) this.updateOff(i, j, m);
          this.updateXY(j, m);
        }
        this.factorDiag(j);
        this.solveXY(j);
      }
      for (let i = j + 1; i < K; i++) this.solveOff(i, j);
    }
    // The XY block (term 0's part was subtracted by firstTerm).
    const c = this.xyxy;
    for (let m = 1; m < K; m++) {
      const d = B.terms[m].dim;
      subtractABt(this.xy[m], 0, d, this.xy[m], 0, d, c, 0, p1, p1, p1, d, true);
    }
    let ldRX2 = 0;
    for (let i = 0; i < p1; i++) {
      const ri = i * p1;
      for (let j = 0; j < i; j++) {
        let s = c[ri + j];
        for (let k = 0; k < j; k++) s -= c[ri + k] * c[j * p1 + k];
        c[ri + j] = s / c[j * p1 + j];
      }
      let d = c[ri + i];
      for (let k = 0; k < i; k++) d -= c[ri + k] * c[ri + k];
      if (i < B.p) {
        if (!(d > 0) || d <= 1e-13 * Math.abs(this.xyxyScale(i))) {
          throw new DegenerateFitError('rank', 'the fixed-effects model matrix is rank deficient or nearly so', {
            hint: 'remove collinear predictors (or let the model builder drop them) and refit',
          });
        }
        c[ri + i] = Math.sqrt(d);
        ldRX2 += 2 * Math.log(c[ri + i]);
      } else {
        if (!(d > 0)) {
          throw new DegenerateFitError('exact', 'the model fits the response exactly (zero residual sum of squares)', {
            hint: 'a linear mixed model needs residual variation; check the response column',
          });
        }
        c[ri + i] = Math.sqrt(d);
      }
    }
    let ldL2 = ld0;
    for (let j = 1; j < K; j++) {
      const t = B.terms[j];
      const L = this.diag[j];
      if (B.diagKind[j] === 'bd') {
        const q = t.q;
        const qq = q * q;
        let s = 0;
        for (let l = 0; l < t.nl; l++) for (let a = 0; a < q; a++) s += Math.log(L[l * qq + a * q + a]);
        ldL2 += 2 * s;
      } else {
        ldL2 += logDet2(L, 0, t.dim);
      }
    }
    this.ldL2 = ldL2;
    this.ldRX2 = ldRX2;
    const last = c[p1 * p1 - 1];
    this.pwrss = last * last;
    this.factored = true;
  }

  /** Original diagonal of [X y]ᵀ[X y] for a relative pivot test. */
  private xyxyScale(i: number): number {
    const p1 = this.blocks.p + 1;
    return this.blocks.aXYXY[i * p1 + i];
  }

  private setTemplates(theta: ArrayLike<number>): void {
    for (let j = 0; j < this.blocks.terms.length; j++) {
      const t = this.blocks.terms[j];
      const T = this.T[j];
      T.fill(0);
      let k = t.thetaOffset;
      for (let c = 0; c < t.q; c++) for (let r = c; r < t.q; r++) T[r * t.q + c] = theta[k++];
    }
  }

  /** Copy the stored blocks into the factor storage, scaled: ΛᵢᵀAᵢⱼΛⱼ (+ I on the diagonal). */
  private load(): void {
    const B = this.blocks;
    const K = B.terms.length;
    const p1 = B.p + 1;
    this.xyxy.set(B.aXYXY);
    for (let j = 1; j < K; j++) {
      const t = B.terms[j];
      const q = t.q;
      const qq = q * q;
      const T = this.T[j];
      const A = B.aDiag[j];
      const D = this.diag[j];
      if (B.diagKind[j] === 'bd') {
        if (q === 1) {
          const th2 = T[0] * T[0];
          for (let l = 0; l < t.nl; l++) D[l] = th2 * A[l] + 1;
        } else {
          for (let l = 0; l < t.nl; l++) {
            this.congruence(A, l * qq, q, T, T, q, D, l * qq, q);
            for (let a = 0; a < q; a++) D[l * qq + a * q + a] += 1;
          }
        }
      } else {
        D.fill(0);
        const dim = t.dim;
        for (let l = 0; l < t.nl; l++) {
          this.congruence(A, l * qq, q, T, T, q, D, l * q * dim + l * q, dim);
        }
        for (let a = 0; a < dim; a++) D[a * dim + a] += 1;
      }
      // XY rows: each level's q columns times T.
      const X = B.aXY[j];
      const Y = this.xy[j];
      if (q === 1) {
        const th = T[0];
        for (let k = 0; k < X.length; k++) Y[k] = X[k] * th;
      } else {
        for (let a = 0; a < p1; a++) {
          const row = a * t.dim;
          for (let l = 0; l < t.nl; l++) {
            const base = row + l * q;
            for (let c = 0; c < q; c++) {
              let s = 0;
              for (let r = c; r < q; r++) s += X[base + r] * T[r * q + c];
              Y[base + c] = s;
            }
          }
        }
      }
    }
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < i; j++) {
        const cross = B.aCross[i][j];
        assert(cross !== undefined, 'cross block exists');
        const O = this.off[i][j] as Float64Array;
        O.fill(0);
        const qi = B.terms[i].q;
        const qj = B.terms[j].q;
        const sub = qi * qj;
        const nnz = cross.target.length;
        if (B.offKind[i][j] === 'sp') {
          if (sub === 1) {
            const f = this.T[i][0] * this.T[j][0];
            for (let e = 0; e < nnz; e++) O[cross.target[e]] += f * cross.values[e];
          } else {
            for (let e = 0; e < nnz; e++) {
              this.congruence(cross.values, e * sub, qi, this.T[i], this.T[j], qj, O, cross.target[e] * sub, qj, true);
            }
          }
        } else {
          const ld = B.terms[j].dim;
          if (sub === 1) {
            const f = this.T[i][0] * this.T[j][0];
            for (let e = 0; e < nnz; e++) O[cross.target[e]] += f * cross.values[e];
          } else {
            for (let e = 0; e < nnz; e++) {
              this.congruence(cross.values, e * sub, qi, this.T[i], this.T[j], qj, O, cross.target[e], ld, true);
            }
          }
        }
      }
    }
  }

  /**
   * Term 0 (block-diagonal, no earlier terms): for each level l, D_l = chol(Tᵀ A_l T + I), the
   * XY rows' q columns of the level times T then solved with D_l, and Σ_l (their outer products)
   * subtracted from the XY block. Returns log |L₀|². Specialized for q = 1 and q = 2, with the
   * operations in the order of the general kernels (so that results are the same to the bit,
   * and the optimizer's path with them).
   */
  private firstTerm(): number {
    const B = this.blocks;
    const t = B.terms[0];
    assert(B.diagKind[0] === 'bd', 'the first term is block-diagonal');
    const q = t.q;
    const p1 = B.p + 1;
    const T = this.T[0];
    const acc = this.acc;
    acc.fill(0);
    // Each case is its own function so that the optimizing compiler sees one loop at a time
    // (code after a loop that has not run yet would deoptimize a compiled loop every call).
    const half =
      q === 1
        ? p1 === 3
          ? firstTermQ1P3(B.aDiag[0], B.aXY[0], this.diag[0], this.xy[0], acc, t.nl, T[0])
          : firstTermQ1(B.aDiag[0], B.aXY[0], this.diag[0], this.xy[0], acc, this.zrow, t.nl, p1, T[0])
        : q === 2
          ? p1 === 3
            ? firstTermQ2P3(B.aDiag[0], B.aXY[0], this.diag[0], this.xy[0], acc, t.nl, T[0], T[2], T[3])
            : firstTermQ2(B.aDiag[0], B.aXY[0], this.diag[0], this.xy[0], acc, this.zrow, t.nl, p1, T[0], T[2], T[3])
          : this.firstTermGeneral() / 2;
    assert(half === half, 'ΛᵀZᵀZΛ + I block is positive definite');
    const C = this.xyxy;
    let k = 0;
    for (let a = 0; a < p1; a++) for (let b = 0; b <= a; b++) C[a * p1 + b] -= acc[k++];
    return 2 * half;
  }

  /** firstTerm for q > 2, with the general kernels. */
  private firstTermGeneral(): number {
    const B = this.blocks;
    const t = B.terms[0];
    const q = t.q;
    const nl = t.nl;
    const dim = t.dim;
    const p1 = B.p + 1;
    const A = B.aDiag[0];
    const X = B.aXY[0];
    const D = this.diag[0];
    const Y = this.xy[0];
    const T = this.T[0];
    const acc = this.acc;
    const z = this.zrow;
    const qq = q * q;
    let ld = 0;
    for (let l = 0; l < nl; l++) {
      this.congruence(A, l * qq, q, T, T, q, D, l * qq, q);
      for (let r = 0; r < q; r++) D[l * qq + r * q + r] += 1;
      const ok = choleskyInPlace(D, q, l * qq);
      assert(ok, 'ΛᵀZᵀZΛ + I block is positive definite');
      for (let r = 0; r < q; r++) ld += Math.log(D[l * qq + r * q + r]);
      for (let a = 0; a < p1; a++) {
        const base = a * dim + l * q;
        for (let c = 0; c < q; c++) {
          let s = 0;
          for (let r = c; r < q; r++) s += X[base + r] * T[r * q + c];
          Y[base + c] = s;
        }
        forwardSolve(D, l * qq, q, Y, base);
        for (let c = 0; c < q; c++) z[a * q + c] = Y[base + c];
      }
      let k = 0;
      for (let a = 0; a < p1; a++) {
        for (let b = 0; b <= a; b++) {
          let s = 0;
          for (let c = 0; c < q; c++) s += z[a * q + c] * z[b * q + c];
          acc[k++] += s;
        }
      }
    }
    return 2 * ld;
  }

  /**
   * out[ooff …] (qi × qj, row stride ld) = (or +=) Tiᵀ · A · Tj for A (qi × qj row-major at
   * a[aoff …]) and lower-triangular templates Ti (qi × qi), Tj (qj × qj).
   */
  private congruence(
    a: Float64Array,
    aoff: number,
    qi: number,
    Ti: Float64Array,
    Tj: Float64Array,
    qj: number,
    out: Float64Array,
    ooff: number,
    ld: number,
    add = false,
  ): void {
    const tmp = this.s1;
    // tmp = A · Tj  (qi × qj)
    for (let r = 0; r < qi; r++) {
      for (let c = 0; c < qj; c++) {
        let s = 0;
        for (let k = c; k < qj; k++) s += a[aoff + r * qj + k] * Tj[k * qj + c];
        tmp[r * qj + c] = s;
      }
    }
    // out = Tiᵀ · tmp
    for (let r = 0; r < qi; r++) {
      for (let c = 0; c < qj; c++) {
        let s = 0;
        for (let k = r; k < qi; k++) s += Ti[k * qi + r] * tmp[k * qj + c];
        if (add) out[ooff + r * ld + c] += s;
        else out[ooff + r * ld + c] = s;
      }
    }
  }

  /** diag(j) −= L(j,m) L(j,m)ᵀ. */
  private updateDiag(j: number, m: number): void {
    const B = this.blocks;
    const tj = B.terms[j];
    const qj = tj.q;
    const qm = B.terms[m].q;
    const src = this.off[j][m] as Float64Array;
    const D = this.diag[j];
    if (B.offKind[j][m] === 'dn') {
      const dm = B.terms[m].dim;
      subtractABt(src, 0, dm, src, 0, dm, D, 0, tj.dim, tj.dim, tj.dim, dm, true);
      return;
    }
    const pat = B.offPattern[j][m] as SparsePattern;
    const sub = qj * qm;
    if (B.diagKind[j] === 'bd') {
      // Nested: at most one row per column.
      const qq = qj * qj;
      for (let c = 0; c < pat.colsLevels; c++) {
        for (let e = pat.colPtr[c]; e < pat.colPtr[c + 1]; e++) {
          const r = pat.rowIdx[e];
          if (sub === 1) D[r] -= src[e] * src[e];
          else subtractSmallABt(src, e * sub, src, e * sub, qj, qj, qm, D, r * qq, qj);
        }
      }
      return;
    }
    const dim = tj.dim;
    for (let c = 0; c < pat.colsLevels; c++) {
      const e0 = pat.colPtr[c];
      const e1 = pat.colPtr[c + 1];
      for (let ea = e0; ea < e1; ea++) {
        const ra = pat.rowIdx[ea];
        if (sub === 1) {
          const va = src[ea];
          const row = ra * dim;
          for (let eb = e0; eb <= ea; eb++) D[row + pat.rowIdx[eb]] -= va * src[eb];
        } else {
          for (let eb = e0; eb <= ea; eb++) {
            const rb = pat.rowIdx[eb];
            subtractSmallABt(src, ea * sub, src, eb * sub, qj, qj, qm, D, ra * qj * dim + rb * qj, dim);
          }
        }
      }
    }
  }

  /** off(i,j) −= L(i,m) L(j,m)ᵀ for m < j < i. */
  private updateOff(i: number, j: number, m: number): void {
    const B = this.blocks;
    const qi = B.terms[i].q;
    const qj = B.terms[j].q;
    const qm = B.terms[m].q;
    const A = this.off[i][m] as Float64Array;
    const Bm = this.off[j][m] as Float64Array;
    const C = this.off[i][j] as Float64Array;
    if (B.offKind[i][j] === 'sp') {
      const plan = B.plans[i][j][m];
      assert(plan !== undefined, 'sparse update has a plan');
      const sa = qi * qm;
      const sb = qj * qm;
      const sc = qi * qj;
      if (sa === 1 && sb === 1) {
        for (let k = 0; k < plan.a.length; k++) C[plan.c[k]] -= A[plan.a[k]] * Bm[plan.b[k]];
      } else {
        for (let k = 0; k < plan.a.length; k++) {
          subtractSmallABt(A, plan.a[k] * sa, Bm, plan.b[k] * sb, qi, qj, qm, C, plan.c[k] * sc, qj);
        }
      }
      return;
    }
    const dimj = B.terms[j].dim;
    if (B.offKind[i][m] === 'dn') {
      const dm = B.terms[m].dim;
      subtractABt(A, 0, dm, Bm, 0, dm, C, 0, dimj, B.terms[i].dim, dimj, dm, false);
      return;
    }
    // Both sparse in column block m, dense target.
    const pa = B.offPattern[i][m] as SparsePattern;
    const pb = B.offPattern[j][m] as SparsePattern;
    const sa = qi * qm;
    const sb = qj * qm;
    for (let c = 0; c < pa.colsLevels; c++) {
      for (let ea = pa.colPtr[c]; ea < pa.colPtr[c + 1]; ea++) {
        const ra = pa.rowIdx[ea];
        for (let eb = pb.colPtr[c]; eb < pb.colPtr[c + 1]; eb++) {
          const rb = pb.rowIdx[eb];
          if (sa === 1 && sb === 1) C[ra * dimj + rb] -= A[ea] * Bm[eb];
          else subtractSmallABt(A, ea * sa, Bm, eb * sb, qi, qj, qm, C, ra * qi * dimj + rb * qj, dimj);
        }
      }
    }
  }

  /** xy(j) −= xy(m) L(j,m)ᵀ. */
  private updateXY(j: number, m: number): void {
    const B = this.blocks;
    const p1 = B.p + 1;
    const tj = B.terms[j];
    const tm = B.terms[m];
    const src = this.off[j][m] as Float64Array;
    const X = this.xy[m];
    const Y = this.xy[j];
    if (B.offKind[j][m] === 'dn') {
      subtractABt(X, 0, tm.dim, src, 0, tm.dim, Y, 0, tj.dim, p1, tj.dim, tm.dim, false);
      return;
    }
    const pat = B.offPattern[j][m] as SparsePattern;
    const qj = tj.q;
    const qm = tm.q;
    const sub = qj * qm;
    for (let a = 0; a < p1; a++) {
      const xr = a * tm.dim;
      const yr = a * tj.dim;
      for (let c = 0; c < pat.colsLevels; c++) {
        for (let e = pat.colPtr[c]; e < pat.colPtr[c + 1]; e++) {
          const r = pat.rowIdx[e];
          if (sub === 1) {
            Y[yr + r] -= X[xr + c] * src[e];
          } else {
            for (let s = 0; s < qj; s++) {
              let acc = 0;
              for (let t = 0; t < qm; t++) acc += X[xr + c * qm + t] * src[e * sub + s * qm + t];
              Y[yr + r * qj + s] -= acc;
            }
          }
        }
      }
    }
  }

  private factorDiag(j: number): void {
    const B = this.blocks;
    const t = B.terms[j];
    const D = this.diag[j];
    if (B.diagKind[j] === 'bd') {
      if (t.q === 1) {
        for (let l = 0; l < t.nl; l++) {
          const d = D[l];
          assert(d > 0, 'diagonal of ΛᵀZᵀZΛ + I is positive');
          D[l] = Math.sqrt(d);
        }
      } else {
        const qq = t.q * t.q;
        for (let l = 0; l < t.nl; l++) {
          const ok = choleskyInPlace(D, t.q, l * qq);
          assert(ok, 'ΛᵀZᵀZΛ + I block is positive definite');
        }
      }
    } else {
      const ok = choleskyInPlace(D, t.dim, 0, B.envelope[j]);
      assert(ok, 'ΛᵀZᵀZΛ + I is positive definite');
    }
  }

  /** off(i,j) ← off(i,j) L(j,j)⁻ᵀ. */
  private solveOff(i: number, j: number): void {
    const B = this.blocks;
    const tj = B.terms[j];
    const ti = B.terms[i];
    const O = this.off[i][j] as Float64Array;
    const D = this.diag[j];
    if (B.diagKind[j] === 'dn') {
      solveRowsLowerT(D, 0, tj.dim, O, 0, ti.dim, B.envelope[j]);
      return;
    }
    const qj = tj.q;
    const qi = ti.q;
    const qq = qj * qj;
    if (B.offKind[i][j] === 'sp') {
      const pat = B.offPattern[i][j] as SparsePattern;
      const sub = qi * qj;
      for (let c = 0; c < pat.colsLevels; c++) {
        for (let e = pat.colPtr[c]; e < pat.colPtr[c + 1]; e++) {
          if (sub === 1) O[e] /= D[c];
          else for (let r = 0; r < qi; r++) forwardSolve(D, c * qq, qj, O, e * sub + r * qj);
        }
      }
      return;
    }
    // Dense target, block-diagonal L(j,j).
    solveRowsBlockDiag(D, tj.nl, qj, O, ti.dim, tj.dim);
  }

  private solveXY(j: number): void {
    const B = this.blocks;
    const t = B.terms[j];
    const D = this.diag[j];
    const p1 = B.p + 1;
    if (B.diagKind[j] === 'dn') solveRowsLowerT(D, 0, t.dim, this.xy[j], 0, p1, B.envelope[j]);
    else solveRowsBlockDiag(D, t.nl, t.q, this.xy[j], p1, t.dim);
  }

  // ----- quantities at the optimum -------------------------------------------------------
  // Vectors over u (u, b, conditional covariances) are in the factor's level order: term j's
  // original level l sits at position blocks.levelPosition[j]?.[l] ?? l.

  /** θ of the last factorization. */
  theta(): Float64Array {
    return Float64Array.from(this.thetaNow);
  }

  /** β̂ from the XY block: R_X β = c_β. */
  beta(): Float64Array {
    assert(this.factored, 'beta after factor');
    const p = this.blocks.p;
    const p1 = p + 1;
    const c = this.xyxy;
    const beta = new Float64Array(p);
    for (let a = 0; a < p; a++) beta[a] = c[p * p1 + a];
    // Solve L_XXᵀ β = ℓ with L_XX the leading p × p of the (p+1)-stride factor.
    for (let i = p - 1; i >= 0; i--) {
      const bi = beta[i] / c[i * p1 + i];
      beta[i] = bi;
      for (let k = 0; k < i; k++) beta[k] -= c[i * p1 + k] * bi;
    }
    return beta;
  }

  /** (R_XᵀR_X)⁻¹, p × p row-major (the unscaled covariance of β̂). */
  unscaledVcov(): Float64Array {
    const p = this.blocks.p;
    const p1 = p + 1;
    const Lxx = new Float64Array(p * p);
    for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) Lxx[i * p + j] = this.xyxy[i * p1 + j];
    const Li = new Float64Array(p * p);
    invertLower(Lxx, 0, p, Li, 0);
    // (L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹.
    const out = new Float64Array(p * p);
    for (let a = 0; a < p; a++) {
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let k = a; k < p; k++) s += Li[k * p + a] * Li[k * p + b];
        out[a * p + b] = s;
        out[b * p + a] = s;
      }
    }
    return out;
  }

  /** The spherical random effects u (solve Lᵀu = c_u − R_ZX β). */
  u(beta: Float64Array): Float64Array {
    const B = this.blocks;
    const K = B.terms.length;
    const p = B.p;
    if (K === 1 && B.terms[0].q === 2) return singleTermU2(this.xy[0], this.diag[0], beta, B.terms[0].nl, p);
    const u = new Float64Array(B.qTotal);
    for (let j = K - 1; j >= 0; j--) {
      const t = B.terms[j];
      const dim = t.dim;
      const X = this.xy[j];
      const rhs = u.subarray(t.uOffset, t.uOffset + dim);
      for (let col = 0; col < dim; col++) {
        let s = X[p * dim + col];
        for (let a = 0; a < p; a++) s -= X[a * dim + col] * beta[a];
        rhs[col] = s;
      }
      for (let i = j + 1; i < K; i++) {
        const ti = B.terms[i];
        const ui = u.subarray(ti.uOffset, ti.uOffset + ti.dim);
        const O = this.off[i][j] as Float64Array;
        if (B.offKind[i][j] === 'sp') {
          const pat = B.offPattern[i][j] as SparsePattern;
          const qi = ti.q;
          const qj = t.q;
          const sub = qi * qj;
          for (let c = 0; c < pat.colsLevels; c++) {
            for (let e = pat.colPtr[c]; e < pat.colPtr[c + 1]; e++) {
              const r = pat.rowIdx[e];
              for (let s = 0; s < qi; s++) {
                const v = ui[r * qi + s];
                for (let tt = 0; tt < qj; tt++) rhs[c * qj + tt] -= O[e * sub + s * qj + tt] * v;
              }
            }
          }
        } else {
          for (let row = 0; row < ti.dim; row++) {
            const v = ui[row];
            if (v === 0) continue;
            const base = row * dim;
            for (let col = 0; col < dim; col++) rhs[col] -= O[base + col] * v;
          }
        }
      }
      const D = this.diag[j];
      if (B.diagKind[j] === 'dn') backSolve(D, 0, dim, rhs, 0);
      else {
        const q = t.q;
        for (let l = 0; l < t.nl; l++) backSolve(D, l * q * q, q, rhs, l * q);
      }
    }
    return u;
  }

  /** b = Λu, term by term, level-major. */
  b(u: Float64Array): Float64Array {
    const B = this.blocks;
    const b = new Float64Array(B.qTotal);
    for (let j = 0; j < B.terms.length; j++) {
      const t = B.terms[j];
      const T = this.T[j];
      const q = t.q;
      if (q === 2) {
        scaleLevels2(u, b, t.uOffset, t.nl, T[0], T[2], T[3]);
        continue;
      }
      for (let l = 0; l < t.nl; l++) {
        const base = t.uOffset + l * q;
        for (let r = 0; r < q; r++) {
          let s = 0;
          for (let c = 0; c <= r; c++) s += T[r * q + c] * u[base + c];
          b[base + r] = s;
        }
      }
    }
    return b;
  }

  /**
   * For every term and level, the q×q block of Λ (ΛᵀZᵀZΛ + I)⁻¹ Λᵀ on that level (multiply by σ²
   * for the conditional covariance of b). Returned per term as ℓ q×q row-major blocks.
   */
  conditionalCovariance(): Float64Array[] {
    const B = this.blocks;
    const K = B.terms.length;
    // Inverses (stored transposed: row k holds column k of L⁻¹) of the dense diagonal blocks.
    const invT: (Float64Array | undefined)[] = B.terms.map((t, j) => {
      if (B.diagKind[j] !== 'dn') return undefined;
      const tr = new Float64Array(t.dim * t.dim);
      invertLowerTransposed(this.diag[j], 0, t.dim, tr, 0);
      return tr;
    });
    const out: Float64Array[] = [];
    const qmax = Math.max(...B.terms.map((t) => t.q));
    // Work vectors: per block, dim × qmax values (row-major, qj columns used) and a set of
    // touched levels (or a dense flag).
    const w = B.terms.map((t) => new Float64Array(t.dim * qmax));
    const touched = B.terms.map((t) => new Int32Array(t.nl));
    const mark = B.terms.map((t) => new Uint8Array(t.nl));
    const nTouched = new Int32Array(K);
    const dense = new Uint8Array(K);
    const V = new Float64Array(qmax * qmax);

    const touch = (i: number, level: number): void => {
      if (dense[i] || mark[i][level]) return;
      mark[i][level] = 1;
      touched[i][nTouched[i]++] = level;
    };
    const reset = (i: number, qc: number): void => {
      const t = B.terms[i];
      for (let k = 0; k < nTouched[i]; k++) {
        const l = touched[i][k];
        mark[i][l] = 0;
        if (!dense[i]) w[i].fill(0, l * t.q * qc, (l + 1) * t.q * qc);
      }
      if (dense[i]) w[i].fill(0, 0, t.dim * qc);
      nTouched[i] = 0;
      dense[i] = 0;
    };
    const scratch = B.terms.map((t, i) => (B.diagKind[i] === 'dn' ? new Float64Array(t.dim * qmax) : undefined));

    for (let j = 0; j < K; j++) {
      const tj = B.terms[j];
      const qc = tj.q;
      if (j === K - 1 && B.diagKind[j] === 'bd') {
        // Nothing follows a block-diagonal last term: level by level, T (L_l L_lᵀ)⁻¹ Tᵀ.
        out.push(blockDiagonalConditionalCovariance(this.diag[j], this.T[j], tj.nl, qc));
        continue;
      }
      const res = new Float64Array(tj.nl * qc * qc);
      for (let l = 0; l < tj.nl; l++) {
        // Block j: columns l·q … l·q+q−1 of L_jj⁻¹.
        const wj = w[j];
        if (B.diagKind[j] === 'bd') {
          const D = this.diag[j];
          for (let c = 0; c < qc; c++) {
            for (let r = 0; r < qc; r++) wj[(l * qc + r) * qc + c] = r === c ? 1 : 0;
          }
          // Solve L_l X = I column by column (X lower).
          for (let c = 0; c < qc; c++) {
            for (let r = 0; r < qc; r++) {
              let s = wj[(l * qc + r) * qc + c];
              for (let k = 0; k < r; k++) s -= D[l * qc * qc + r * qc + k] * wj[(l * qc + k) * qc + c];
              wj[(l * qc + r) * qc + c] = s / D[l * qc * qc + r * qc + r];
            }
          }
          touch(j, l);
        } else {
          const inv = invT[j] as Float64Array;
          const dim = tj.dim;
          for (let c = 0; c < qc; c++) {
            const col = l * qc + c;
            for (let r = col; r < dim; r++) wj[r * qc + c] = inv[col * dim + r];
          }
          dense[j] = 1;
        }
        // Later blocks: w_i = L_ii⁻¹ (−Σ_{m=j}^{i−1} L(i,m) w_m).
        for (let i = j + 1; i < K; i++) {
          const ti = B.terms[i];
          const wi = w[i];
          const qi = ti.q;
          for (let m = j; m < i; m++) {
            const tm = B.terms[m];
            const qm = tm.q;
            const wm = w[m];
            const O = this.off[i][m] as Float64Array;
            if (B.offKind[i][m] === 'sp') {
              const pat = B.offPattern[i][m] as SparsePattern;
              const sub = qi * qm;
              const visit = (c: number): void => {
                for (let e = pat.colPtr[c]; e < pat.colPtr[c + 1]; e++) {
                  const r = pat.rowIdx[e];
                  touch(i, r);
                  for (let s = 0; s < qi; s++) {
                    for (let cc = 0; cc < qc; cc++) {
                      let acc = 0;
                      for (let t = 0; t < qm; t++) acc += O[e * sub + s * qm + t] * wm[(c * qm + t) * qc + cc];
                      wi[(r * qi + s) * qc + cc] -= acc;
                    }
                  }
                }
              };
              if (dense[m]) for (let c = 0; c < tm.nl; c++) visit(c);
              else for (let k = 0; k < nTouched[m]; k++) visit(touched[m][k]);
            } else {
              dense[i] = 1;
              const dm = tm.dim;
              for (let row = 0; row < ti.dim; row++) {
                const base = row * dm;
                for (let cc = 0; cc < qc; cc++) {
                  let acc = 0;
                  for (let col = 0; col < dm; col++) acc += O[base + col] * wm[col * qc + cc];
                  wi[row * qc + cc] -= acc;
                }
              }
            }
          }
          // Apply L_ii⁻¹.
          if (B.diagKind[i] === 'bd') {
            const D = this.diag[i];
            const qq = qi * qi;
            const solveLevel = (lv: number): void => {
              for (let cc = 0; cc < qc; cc++) {
                for (let r = 0; r < qi; r++) {
                  let s = wi[(lv * qi + r) * qc + cc];
                  for (let k = 0; k < r; k++) s -= D[lv * qq + r * qi + k] * wi[(lv * qi + k) * qc + cc];
                  wi[(lv * qi + r) * qc + cc] = s / D[lv * qq + r * qi + r];
                }
              }
            };
            if (dense[i]) for (let lv = 0; lv < ti.nl; lv++) solveLevel(lv);
            else for (let k = 0; k < nTouched[i]; k++) solveLevel(touched[i][k]);
          } else {
            const inv = invT[i] as Float64Array;
            const dim = ti.dim;
            const tmp = scratch[i] as Float64Array;
            tmp.fill(0, 0, dim * qc);
            const useSparse = !dense[i];
            const rowsToVisit = useSparse ? nTouched[i] * qi : dim;
            for (let kk = 0; kk < rowsToVisit; kk++) {
              const k = useSparse ? touched[i][Math.floor(kk / qi)] * qi + (kk % qi) : kk;
              const base = k * dim;
              for (let cc = 0; cc < qc; cc++) {
                const v = wi[k * qc + cc];
                if (v === 0) continue;
                for (let r = k; r < dim; r++) tmp[r * qc + cc] += inv[base + r] * v;
              }
            }
            // Replace w_i by tmp (dense now).
            if (useSparse) {
              for (let k = 0; k < nTouched[i]; k++) mark[i][touched[i][k]] = 0;
              nTouched[i] = 0;
            }
            wi.set(tmp.subarray(0, dim * qc));
            dense[i] = 1;
          }
        }
        // Gram matrix over all blocks.
        V.fill(0, 0, qc * qc);
        for (let i = j; i < K; i++) {
          const ti = B.terms[i];
          const wi = w[i];
          const acc = (row: number): void => {
            for (let a = 0; a < qc; a++) {
              const va = wi[row * qc + a];
              if (va === 0) continue;
              for (let bb = 0; bb <= a; bb++) V[a * qc + bb] += va * wi[row * qc + bb];
            }
          };
          if (dense[i]) for (let row = 0; row < ti.dim; row++) acc(row);
          else {
            for (let k = 0; k < nTouched[i]; k++) {
              const lv = touched[i][k];
              for (let s = 0; s < ti.q; s++) acc(lv * ti.q + s);
            }
          }
        }
        for (let a = 0; a < qc; a++) for (let bb = 0; bb < a; bb++) V[bb * qc + a] = V[a * qc + bb];
        // Λ_j V Λ_jᵀ with the level's template T.
        const T = this.T[j];
        const TV = this.s2;
        for (let a = 0; a < qc; a++) {
          for (let bb = 0; bb < qc; bb++) {
            let s = 0;
            for (let k = 0; k <= a; k++) s += T[a * qc + k] * V[k * qc + bb];
            TV[a * qc + bb] = s;
          }
        }
        const base = l * qc * qc;
        for (let a = 0; a < qc; a++) {
          for (let bb = 0; bb < qc; bb++) {
            let s = 0;
            for (let k = 0; k <= bb; k++) s += TV[a * qc + k] * T[bb * qc + k];
            res[base + a * qc + bb] = s;
          }
        }
        for (let i = j; i < K; i++) reset(i, qc);
      }
      out.push(res);
    }
    return out;
  }
}

/** C (qi × qj block at c[coff], row stride ld) −= A (qi × qm) · B (qj × qm)ᵀ. */
function subtractSmallABt(
  a: Float64Array,
  aoff: number,
  b: Float64Array,
  boff: number,
  qi: number,
  qj: number,
  qm: number,
  c: Float64Array,
  coff: number,
  ld: number,
): void {
  for (let r = 0; r < qi; r++) {
    for (let s = 0; s < qj; s++) {
      let acc = 0;
      for (let t = 0; t < qm; t++) acc += a[aoff + r * qm + t] * b[boff + s * qm + t];
      c[coff + r * ld + s] -= acc;
    }
  }
}

/** Rows of a dense (rows × dim) row-major block times L⁻ᵀ for block-diagonal L (ℓ blocks q×q). */
function solveRowsBlockDiag(D: Float64Array, nl: number, q: number, M: Float64Array, rows: number, dim: number): void {
  if (q === 1) {
    for (let r = 0; r < rows; r++) {
      const base = r * dim;
      for (let l = 0; l < nl; l++) M[base + l] /= D[l];
    }
    return;
  }
  const qq = q * q;
  for (let r = 0; r < rows; r++) {
    for (let l = 0; l < nl; l++) forwardSolve(D, l * qq, q, M, r * dim + l * q);
  }
}

/**
 * Term 0 with q = 1 (firstTerm); returns log |L₀| (NaN when a block is not positive definite).
 * Nothing after the loop calls or computes, so a loop compiled while it runs is not thrown
 * away at its end for want of type feedback.
 */
function firstTermQ1(
  A: Float64Array,
  X: Float64Array,
  D: Float64Array,
  Y: Float64Array,
  acc: Float64Array,
  z: Float64Array,
  nl: number,
  p1: number,
  th: number,
): number {
  const th2 = th * th;
  const dim = nl;
  let ld = 0;
  for (let l = 0; l < nl; l++) {
    const L = Math.sqrt(th2 * A[l] + 1);
    D[l] = L;
    ld += Math.log(L);
    for (let a = 0; a < p1; a++) {
      const v = (X[a * dim + l] * th) / L;
      Y[a * dim + l] = v;
      z[a] = v;
    }
    let k = 0;
    for (let a = 0; a < p1; a++) {
      const va = z[a];
      for (let b = 0; b <= a; b++) acc[k++] += va * z[b];
    }
  }
  return ld;
}

/** Term 0 with q = 2 (firstTerm), T = [t00 0; t10 t11]: as firstTermQ1. */
function firstTermQ2(
  A: Float64Array,
  X: Float64Array,
  D: Float64Array,
  Y: Float64Array,
  acc: Float64Array,
  z: Float64Array,
  nl: number,
  p1: number,
  t00: number,
  t10: number,
  t11: number,
): number {
  const dim = 2 * nl;
  let ld = 0;
  let ok = true;
  for (let l = 0; l < nl; l++) {
    const o = l * 4;
    const a00 = A[o];
    const a10 = A[o + 2];
    const a11 = A[o + 3];
    // A·T, then Tᵀ·(A·T) + I, then its Cholesky factor.
    const at00 = a00 * t00 + a10 * t10;
    const at10 = a10 * t00 + a11 * t10;
    const at11 = a11 * t11;
    const m00 = t00 * at00 + t10 * at10 + 1;
    const m10 = t11 * at10;
    const m11 = t11 * at11 + 1;
    const l00 = Math.sqrt(m00);
    const l10 = m10 / l00;
    const l11 = Math.sqrt(m11 - l10 * l10);
    ok = ok && l11 > 0;
    D[o] = l00;
    D[o + 1] = m10;
    D[o + 2] = l10;
    D[o + 3] = l11;
    // One logarithm per level (each diagonal is ≥ 1 and far below √(max double)).
    ld += Math.log(l00 * l11);
    const col = 2 * l;
    for (let a = 0; a < p1; a++) {
      const base = a * dim + col;
      const x0 = X[base];
      const x1 = X[base + 1];
      const z0 = (x0 * t00 + x1 * t10) / l00;
      const z1 = (x1 * t11 - l10 * z0) / l11;
      Y[base] = z0;
      Y[base + 1] = z1;
      z[2 * a] = z0;
      z[2 * a + 1] = z1;
    }
    let k = 0;
    for (let a = 0; a < p1; a++) {
      const u0 = z[2 * a];
      const u1 = z[2 * a + 1];
      for (let b = 0; b <= a; b++) {
        acc[k] = acc[k] + u0 * z[2 * b] + u1 * z[2 * b + 1];
        k++;
      }
    }
  }
  return ok ? ld : NaN;
}

/**
 * firstTermQ1 for one fixed-effects column and the response (p + 1 = 3, e.g. y ~ x + (1 | g)),
 * with the XY downdate in six scalars. Same operations in the same order as firstTermQ1.
 */
function firstTermQ1P3(A: Float64Array, X: Float64Array, D: Float64Array, Y: Float64Array, acc: Float64Array, nl: number, th: number): number {
  const th2 = th * th;
  const r1 = nl;
  const r2 = 2 * nl;
  let c00 = 0;
  let c10 = 0;
  let c11 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let ld = 0;
  for (let l = 0; l < nl; l++) {
    const L = Math.sqrt(th2 * A[l] + 1);
    D[l] = L;
    ld += Math.log(L);
    const v0 = (X[l] * th) / L;
    const v1 = (X[r1 + l] * th) / L;
    const v2 = (X[r2 + l] * th) / L;
    Y[l] = v0;
    Y[r1 + l] = v1;
    Y[r2 + l] = v2;
    c00 += v0 * v0;
    c10 += v1 * v0;
    c11 += v1 * v1;
    c20 += v2 * v0;
    c21 += v2 * v1;
    c22 += v2 * v2;
  }
  acc[0] = c00;
  acc[1] = c10;
  acc[2] = c11;
  acc[3] = c20;
  acc[4] = c21;
  acc[5] = c22;
  return ld;
}

/** firstTermQ2 for p + 1 = 3 (e.g. y ~ x + (x | g)), the XY downdate in six scalars. */
function firstTermQ2P3(
  A: Float64Array,
  X: Float64Array,
  D: Float64Array,
  Y: Float64Array,
  acc: Float64Array,
  nl: number,
  t00: number,
  t10: number,
  t11: number,
): number {
  const dim = 2 * nl;
  const r2 = 2 * dim;
  let c00 = 0;
  let c10 = 0;
  let c11 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let ld = 0;
  let ok = true;
  for (let l = 0; l < nl; l++) {
    const o = l * 4;
    const a00 = A[o];
    const a10 = A[o + 2];
    const a11 = A[o + 3];
    const at00 = a00 * t00 + a10 * t10;
    const at10 = a10 * t00 + a11 * t10;
    const at11 = a11 * t11;
    const m00 = t00 * at00 + t10 * at10 + 1;
    const m10 = t11 * at10;
    const m11 = t11 * at11 + 1;
    const l00 = Math.sqrt(m00);
    const l10 = m10 / l00;
    const l11 = Math.sqrt(m11 - l10 * l10);
    ok = ok && l11 > 0;
    D[o] = l00;
    D[o + 1] = m10;
    D[o + 2] = l10;
    D[o + 3] = l11;
    ld += Math.log(l00 * l11);
    const b0 = 2 * l;
    const b1 = dim + b0;
    const b2 = r2 + b0;
    const x00 = X[b0];
    const x01 = X[b0 + 1];
    const x10 = X[b1];
    const x11 = X[b1 + 1];
    const x20 = X[b2];
    const x21 = X[b2 + 1];
    const z00 = (x00 * t00 + x01 * t10) / l00;
    const z01 = (x01 * t11 - l10 * z00) / l11;
    const z10 = (x10 * t00 + x11 * t10) / l00;
    const z11 = (x11 * t11 - l10 * z10) / l11;
    const z20 = (x20 * t00 + x21 * t10) / l00;
    const z21 = (x21 * t11 - l10 * z20) / l11;
    Y[b0] = z00;
    Y[b0 + 1] = z01;
    Y[b1] = z10;
    Y[b1 + 1] = z11;
    Y[b2] = z20;
    Y[b2 + 1] = z21;
    c00 = c00 + z00 * z00 + z01 * z01;
    c10 = c10 + z10 * z00 + z11 * z01;
    c11 = c11 + z10 * z10 + z11 * z11;
    c20 = c20 + z20 * z00 + z21 * z01;
    c21 = c21 + z20 * z10 + z21 * z11;
    c22 = c22 + z20 * z20 + z21 * z21;
  }
  acc[0] = c00;
  acc[1] = c10;
  acc[2] = c11;
  acc[3] = c20;
  acc[4] = c21;
  acc[5] = c22;
  return ok ? ld : NaN;
}

/**
 * Per level of a block-diagonal term that no later term touches: Λ_l (L_l L_lᵀ)⁻¹ Λ_lᵀ with the
 * level's q × q factor L_l (row-major lower, in D) and template T: ℓ q×q blocks, row-major.
 */
function blockDiagonalConditionalCovariance(D: Float64Array, T: Float64Array, nl: number, q: number): Float64Array {
  const qq = q * q;
  const res = new Float64Array(nl * qq);
  if (q === 1) {
    const t2 = T[0] * T[0];
    for (let l = 0; l < nl; l++) res[l] = t2 / (D[l] * D[l]);
    return res;
  }
  if (q === 2) {
    blockConditionalCovariance2(D, res, nl, T[0], T[2], T[3]);
    return res;
  }
  const W = new Float64Array(qq);
  const V = new Float64Array(qq);
  const TV = new Float64Array(qq);
  for (let l = 0; l < nl; l++) {
    const o = l * qq;
    // W = L_l⁻¹ (lower), column by column.
    for (let c = 0; c < q; c++) {
      for (let r = 0; r < q; r++) {
        let s = r === c ? 1 : 0;
        for (let k = c; k < r; k++) s -= D[o + r * q + k] * W[k * q + c];
        W[r * q + c] = r < c ? 0 : s / D[o + r * q + r];
      }
    }
    // V = Wᵀ W = (L_l L_lᵀ)⁻¹.
    for (let a = 0; a < q; a++) {
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let r = a; r < q; r++) s += W[r * q + a] * W[r * q + b];
        V[a * q + b] = s;
        V[b * q + a] = s;
      }
    }
    // T V Tᵀ.
    for (let a = 0; a < q; a++) {
      for (let b = 0; b < q; b++) {
        let s = 0;
        for (let k = 0; k <= a; k++) s += T[a * q + k] * V[k * q + b];
        TV[a * q + b] = s;
      }
    }
    for (let a = 0; a < q; a++) {
      for (let b = 0; b < q; b++) {
        let s = 0;
        for (let k = 0; k <= b; k++) s += TV[a * q + k] * T[b * q + k];
        res[o + a * q + b] = s;
      }
    }
  }
  return res;
}

/**
 * u for a model with one term of q = 2: solve L_lᵀ u_l = c_l − R_ZX,l β level by level (the
 * general u() does the same, in the same order of operations).
 */
function singleTermU2(X: Float64Array, D: Float64Array, beta: Float64Array, nl: number, p: number): Float64Array {
  const dim = 2 * nl;
  const u = new Float64Array(dim);
  for (let col = 0; col < dim; col++) {
    let s = X[p * dim + col];
    for (let a = 0; a < p; a++) s -= X[a * dim + col] * beta[a];
    u[col] = s;
  }
  for (let l = 0; l < nl; l++) {
    const o = 4 * l;
    // backSolve with L = [l00 0; l10 l11].
    const u1 = u[2 * l + 1] / D[o + 3];
    u[2 * l + 1] = u1;
    u[2 * l] = (u[2 * l] - D[o + 2] * u1) / D[o];
  }
  return u;
}

/** b_l = T u_l for every level of a q = 2 term, T = [t00 0; t10 t11]. */
function scaleLevels2(u: Float64Array, b: Float64Array, off: number, nl: number, t00: number, t10: number, t11: number): void {
  for (let l = 0; l < nl; l++) {
    const i = off + 2 * l;
    const u0 = u[i];
    const u1 = u[i + 1];
    b[i] = t00 * u0;
    b[i + 1] = t10 * u0 + t11 * u1;
  }
}

/** blockDiagonalConditionalCovariance for q = 2, written out. */
function blockConditionalCovariance2(D: Float64Array, res: Float64Array, nl: number, t00: number, t10: number, t11: number): void {
  for (let l = 0; l < nl; l++) {
    const o = 4 * l;
    // W = L⁻¹ for L = [l00 0; l10 l11].
    const w00 = 1 / D[o];
    const w11 = 1 / D[o + 3];
    const w10 = -(D[o + 2] * w00) / D[o + 3];
    // V = Wᵀ W.
    const v00 = w00 * w00 + w10 * w10;
    const v10 = w11 * w10;
    const v11 = w11 * w11;
    // T V Tᵀ.
    const tv00 = t00 * v00;
    const tv01 = t00 * v10;
    const tv10 = t10 * v00 + t11 * v10;
    const tv11 = t10 * v10 + t11 * v11;
    res[o] = tv00 * t00;
    res[o + 1] = tv00 * t10 + tv01 * t11;
    res[o + 2] = tv10 * t00;
    res[o + 3] = tv10 * t10 + tv11 * t11;
  }
}
