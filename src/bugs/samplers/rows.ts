/**
 * Compiled rows (linear.ts) of a set of variables, for samplers that move the variables
 * along one direction. The residual of a row is read from its node (value − mean, the mean
 * being kept up to date by the deterministic nodes); the coefficients give the direction: moving θ to θ + t·dir changes each residual e = d − Gθ to e − t·u
 * with u = G·dir, so the log density of t is −½ P t² + b t + const with
 * P = Σ u'Ωu and b = Σ u'Ωe. That is the whole conditional of a scalar that enters its
 * children linearly, and the likelihood part of the interweaving step for a scale.
 */
import type { CompiledModel, StochasticNode } from '../compile.js';
import { type ArrayEvaluator, type ArrIR, type Evaluator, type IR, arrayEvaluator, constIR, evaluator } from '../ir.js';
import { ExprProgram } from '../kernels.js';
import type { Row } from '../linear.js';

interface VectorPlan {
  readonly q: number;
  readonly value: Int32Array;
  readonly mean: ArrayEvaluator;
  readonly ks: readonly Int32Array[];
  readonly coefs: readonly (readonly Evaluator[])[];
  readonly prec: ArrayEvaluator;
  readonly om: Float64Array;
  readonly e: Float64Array;
  readonly u: Float64Array;
}

export class RowSystem {
  // Scalar rows in flat arrays; what is not constant is evaluated by generated loops into
  // the buffers below (ExprProgram).
  private readonly nScalar: number;
  private readonly rowEnt: Int32Array;
  private readonly entVar: Int32Array;
  private readonly coefProgram: ExprProgram;
  private readonly valueProgram: ExprProgram;
  private readonly meanProgram: ExprProgram;
  private readonly precProgram: ExprProgram;
  private readonly coef: Float64Array;
  private readonly value: Float64Array;
  private readonly mean: Float64Array;
  private readonly prec: Float64Array;
  private readonly vector: VectorPlan[] = [];
  /** Results of the last `quadratic` call. */
  precision = 0;
  linear = 0;

  constructor(model: CompiledModel, rows: readonly Row[]) {
    const scalar = rows.filter((r): r is Extract<Row, { kind: 'scalar' }> => r.kind === 'scalar');
    this.nScalar = scalar.length;
    const rowEnt = [0];
    const entVar: number[] = [];
    const coefs: IR[] = [];
    const values: IR[] = [];
    const means: IR[] = [];
    for (const r of scalar) {
      for (const t of r.g) {
        entVar.push(t.k);
        coefs.push(t.coef);
      }
      rowEnt.push(entVar.length);
      const node = model.nodes[r.node] as StochasticNode;
      const vs = node.slots[0];
      const x = model.initial[vs];
      values.push(Number.isNaN(x) ? { t: 'slot', s: vs } : constIR(x));
      means.push((node.params[0] as { ir: IR }).ir);
    }
    this.rowEnt = Int32Array.from(rowEnt);
    this.entVar = Int32Array.from(entVar);
    this.coefProgram = new ExprProgram(coefs);
    this.valueProgram = new ExprProgram(values);
    this.meanProgram = new ExprProgram(means);
    this.precProgram = new ExprProgram(scalar.map((r) => r.prec));
    this.coef = new Float64Array(coefs.length);
    this.value = new Float64Array(scalar.length);
    this.mean = new Float64Array(scalar.length);
    this.prec = new Float64Array(scalar.length);
    this.coefProgram.fill(this.coef);
    this.valueProgram.fill(this.value);
    this.meanProgram.fill(this.mean);
    this.precProgram.fill(this.prec);
    for (const r of rows) {
      if (r.kind === 'vector') {
        const node = model.nodes[r.node] as StochasticNode;
        this.vector.push({
          q: r.q,
          value: node.slots,
          mean: arrayEvaluator((node.params[0] as { arr: ArrIR }).arr),
          ks: r.g.map((ts) => Int32Array.from(ts.map((t) => t.k))),
          coefs: r.g.map((ts) => ts.map((t) => evaluator(t.coef))),
          prec: arrayEvaluator(r.prec),
          om: new Float64Array(r.q * r.q),
          e: new Float64Array(r.q),
          u: new Float64Array(r.q),
        });
      }
    }
  }

  get size(): number {
    return this.nScalar + this.vector.length;
  }

  /** Sets `precision` = Σ u'Ωu and `linear` = Σ u'Ωe at the current values, u = G·dir. */
  quadratic(v: Float64Array, dir: Float64Array): void {
    let P = 0;
    let b = 0;
    const { rowEnt, entVar, coef, value, mean, prec } = this;
    this.coefProgram.run(v, coef);
    this.valueProgram.run(v, value);
    this.meanProgram.run(v, mean);
    this.precProgram.run(v, prec);
    for (let r = 0, nr = this.nScalar; r < nr; r++) {
      let u = 0;
      for (let i = rowEnt[r], end = rowEnt[r + 1]; i < end; i++) u += coef[i] * dir[entVar[i]];
      if (u === 0) continue;
      const w = prec[r];
      P += w * u * u;
      b += w * u * (value[r] - mean[r]);
    }
    for (const r of this.vector) {
      const q = r.q;
      r.prec(v, r.om);
      r.mean(v, r.e);
      for (let a = 0; a < q; a++) {
        let u = 0;
        const ks = r.ks[a];
        for (let i = 0; i < ks.length; i++) u += r.coefs[a][i](v) * dir[ks[i]];
        r.e[a] = v[r.value[a]] - r.e[a];
        r.u[a] = u;
      }
      for (let a = 0; a < q; a++) {
        for (let c = 0; c < q; c++) {
          const o = r.om[a + c * q];
          P += r.u[a] * o * r.u[c];
          b += r.u[a] * o * r.e[c];
        }
      }
    }
    this.precision = P;
    this.linear = b;
  }
}
