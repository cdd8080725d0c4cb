/**
 * Compiled rows (linear.ts) of a set of variables, for samplers that move the variables
 * along one direction. The residual of a row is read from its node (value − mean, the mean
 * being kept up to date by the deterministic nodes); the coefficients give the direction: moving θ to θ + t·dir changes each residual e = d − Gθ to e − t·u
 * with u = G·dir, so the log density of t is −½ P t² + b t + const with
 * P = Σ u'Ωu and b = Σ u'Ωe. That is the whole conditional of a scalar that enters its
 * children linearly, and the likelihood part of the interweaving step for a scale.
 */
import type { CompiledModel, StochasticNode } from '../compile.js';
import { type ArrayEvaluator, type ArrIR, type Evaluator, type IR, arrayEvaluator, evaluator } from '../ir.js';
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
  // Scalar rows in flat arrays: constants stored, evaluators only where needed.
  private readonly nScalar: number;
  private readonly rowEnt: Int32Array;
  private readonly entVar: Int32Array;
  private readonly entCoef: Float64Array;
  private readonly entEval: readonly (Evaluator | null)[];
  /** The row's value: a slot, or (when -1) the constant in valueConst. */
  private readonly valueSlot: Int32Array;
  private readonly valueConst: Float64Array;
  /** The row's mean: a slot, or (when -1) an evaluator. */
  private readonly meanSlot: Int32Array;
  private readonly meanEval: readonly (Evaluator | null)[];
  /** ≥0: slot; -1: constant; -2: evaluator */
  private readonly precSlot: Int32Array;
  private readonly precConst: Float64Array;
  private readonly precEval: readonly (Evaluator | null)[];
  private readonly vector: VectorPlan[] = [];
  /** Results of the last `quadratic` call. */
  precision = 0;
  linear = 0;

  constructor(model: CompiledModel, rows: readonly Row[]) {
    const scalar = rows.filter((r): r is Extract<Row, { kind: 'scalar' }> => r.kind === 'scalar');
    this.nScalar = scalar.length;
    const rowEnt = [0];
    const entVar: number[] = [];
    const entCoef: number[] = [];
    const entEval: (Evaluator | null)[] = [];
    this.valueSlot = new Int32Array(scalar.length);
    this.valueConst = new Float64Array(scalar.length);
    this.meanSlot = new Int32Array(scalar.length);
    const meanEval: (Evaluator | null)[] = [];
    this.precSlot = new Int32Array(scalar.length);
    this.precConst = new Float64Array(scalar.length);
    const precEval: (Evaluator | null)[] = [];
    scalar.forEach((r, i) => {
      for (const t of r.g) {
        entVar.push(t.k);
        entCoef.push(t.coef.t === 'const' ? t.coef.v : 0);
        entEval.push(t.coef.t === 'const' ? null : evaluator(t.coef));
      }
      rowEnt.push(entVar.length);
      const node = model.nodes[r.node] as StochasticNode;
      const vs = node.slots[0];
      const x = model.initial[vs];
      if (Number.isNaN(x)) this.valueSlot[i] = vs;
      else {
        this.valueSlot[i] = -1;
        this.valueConst[i] = x;
      }
      const mean = (node.params[0] as { ir: IR }).ir;
      this.meanSlot[i] = mean.t === 'slot' ? mean.s : -1;
      meanEval.push(mean.t === 'slot' ? null : evaluator(mean));
      if (r.prec.t === 'slot') this.precSlot[i] = r.prec.s;
      else if (r.prec.t === 'const') {
        this.precSlot[i] = -1;
        this.precConst[i] = r.prec.v;
      } else this.precSlot[i] = -2;
      precEval.push(r.prec.t === 'slot' || r.prec.t === 'const' ? null : evaluator(r.prec));
    });
    this.rowEnt = Int32Array.from(rowEnt);
    this.entVar = Int32Array.from(entVar);
    this.entCoef = Float64Array.from(entCoef);
    this.entEval = entEval;
    this.meanEval = meanEval;
    this.precEval = precEval;
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
    const { rowEnt, entVar, entCoef, entEval, valueSlot, valueConst, meanSlot, meanEval, precSlot, precConst, precEval } = this;
    for (let r = 0; r < this.nScalar; r++) {
      let u = 0;
      for (let i = rowEnt[r]; i < rowEnt[r + 1]; i++) {
        const ce = entEval[i];
        const g = ce === null ? entCoef[i] : ce(v);
        u += g * dir[entVar[i]];
      }
      if (u === 0) continue;
      const vs = valueSlot[r];
      const ms = meanSlot[r];
      const e = (vs >= 0 ? v[vs] : valueConst[r]) - (ms >= 0 ? v[ms] : meanEval[r]!(v));
      const ps = precSlot[r];
      const w = ps >= 0 ? v[ps] : ps === -1 ? precConst[r] : precEval[r]!(v);
      P += w * u * u;
      b += w * u * e;
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
