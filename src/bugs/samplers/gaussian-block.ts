/**
 * The joint Gaussian block sampler: draws a set of normal nodes (fixed effects, group means,
 * random effects, …) together from their full conditional N(Q⁻¹h, Q⁻¹), where
 * Q = Σ G'ΩG and h = Σ G'Ωd over the block's rows (linear.ts).
 *
 * Q is factored in a bordered block-diagonal form: the variables split into small clusters
 * that only touch each other through a "border" set (typically: one cluster per group
 * holding its random effects, the border holding the fixed effects or group-level means):
 *
 *       Q = [ A  B ]     A = blockdiag(A_1 … A_G),  L = [ L_A   0  ]
 *           [ B' D ]                                    [ W'   L_D ]
 *
 * with L_g = chol(A_g), W_g = L_g⁻¹ B_g and L_D = chol(D − Σ W_g'W_g). A draw costs
 * O(Σ n_g²m + n_g m² + m³), i.e. linear in the number of groups, where a dense Cholesky
 * would cost O(groups³). The border is chosen greedily: while some connected component of
 * the variables outside the border is larger than a cluster may be, its best-connected
 * variable joins the border.
 */
import { Lmer2JagsError } from '../../errors.js';
import type { Rng } from '../../mcmc/rng.js';
import type { CompiledModel } from '../compile.js';
import { type IR, bin, constIR } from '../ir.js';
import type { BlockSpec, Row, Term } from '../linear.js';
import { type Sampler, refreshProgram } from './sampler.js';
import { ExprProgram, type RefreshProgram } from '../kernels.js';

/** Largest cluster outside the border. */
const MAX_CLUSTER = 16;
/** Blocks this small are factored densely (everything is border). */
const SMALL = 6;
/** Up to this size, a block is factored densely when that is cheaper than its partition. */
const DENSE_LIMIT = 40;
/** Largest border before the block is split into smaller blocks. */
const MAX_BORDER = 250;
/** A variable whose degree is this many times the component's mean degree is a hub. */
const HUB_RATIO = 2;

export interface Partition {
  readonly clusters: readonly Int32Array[];
  readonly border: Int32Array;
}

/**
 * Chooses the border and clusters of K variables linked by the given sets (each set of
 * variables shares a row). Returns null when the border would exceed MAX_BORDER.
 */
export function partitionVariables(k: number, sets: readonly (readonly number[])[], forceTogether: readonly (readonly number[])[] = []): Partition | null {
  const dense: Partition = { clusters: [], border: Int32Array.from({ length: k }, (_, i) => i) };
  if (k <= SMALL) return dense;
  const part = borderedPartition(k, sets, forceTogether);
  if (k <= DENSE_LIMIT && (part === null || factorCost(part) >= factorCost(dense))) return dense;
  return part;
}

/** Multiply-adds of one factorization of a partition (clusters, their border blocks, the border). */
function factorCost(p: Partition): number {
  const m = p.border.length;
  let c = (m * m * m) / 3;
  for (const g of p.clusters) {
    const n = g.length;
    c += (n * n * n) / 3 + n * n * m + n * m * m;
  }
  return c;
}

function borderedPartition(k: number, sets: readonly (readonly number[])[], forceTogether: readonly (readonly number[])[]): Partition | null {
  const adj: Set<number>[] = Array.from({ length: k }, () => new Set<number>());
  for (const s of [...sets, ...forceTogether]) {
    for (let i = 0; i < s.length; i++) {
      for (let j = i + 1; j < s.length; j++) {
        if (s[i] !== s[j]) {
          adj[s[i]].add(s[j]);
          adj[s[j]].add(s[i]);
        }
      }
    }
  }
  const inBorder = new Uint8Array(k);
  const comp = new Int32Array(k);
  let borderSize = 0;
  for (;;) {
    // Components of the graph without the border.
    comp.fill(-1);
    const comps: number[][] = [];
    for (let s = 0; s < k; s++) {
      if (inBorder[s] || comp[s] >= 0) continue;
      const members = [s];
      comp[s] = comps.length;
      for (let q = 0; q < members.length; q++) {
        for (const t of adj[members[q]]) {
          if (!inBorder[t] && comp[t] < 0) {
            comp[t] = comps.length;
            members.push(t);
          }
        }
      }
      comps.push(members);
    }
    const big = comps.filter((c) => c.length > MAX_CLUSTER);
    if (big.length === 0) {
      const border: number[] = [];
      for (let i = 0; i < k; i++) if (inBorder[i]) border.push(i);
      return { clusters: comps.map((c) => Int32Array.from(c.sort((a, b) => a - b))), border: Int32Array.from(border) };
    }
    // Split each oversized component: a hub (a variable linked to far more of the component
    // than the others are, e.g. a mean that every group effect reads) joins the border; when
    // no variable stands out (chains, grids: a random walk, a spatial model), a middle level
    // of a breadth-first search from a far end does, which cuts the component in two.
    for (const c of big) {
      let best = c[0];
      let bestDeg = -1;
      let total = 0;
      for (const x of c) {
        let deg = 0;
        for (const t of adj[x]) if (!inBorder[t]) deg++;
        total += deg;
        if (deg > bestDeg) {
          bestDeg = deg;
          best = x;
        }
      }
      const separator = bestDeg >= HUB_RATIO * (total / c.length) ? [best] : middleLevel(c, adj, inBorder);
      for (const x of separator) inBorder[x] = 1;
      borderSize += separator.length;
    }
    if (borderSize > MAX_BORDER) return null;
  }
}

/** Breadth-first levels of a component from `start`, outside the border. */
function levels(start: number, adj: readonly Set<number>[], inBorder: Uint8Array): number[][] {
  const seen = new Set<number>([start]);
  const out: number[][] = [[start]];
  for (;;) {
    const next: number[] = [];
    for (const x of out[out.length - 1]) {
      for (const t of adj[x]) {
        if (!inBorder[t] && !seen.has(t)) {
          seen.add(t);
          next.push(t);
        }
      }
    }
    if (next.length === 0) return out;
    out.push(next);
  }
}

/**
 * A separator of a component: the breadth-first level, counted from a far end (the last
 * vertex reached from the component's first one), at which half of the component is reached.
 */
function middleLevel(component: readonly number[], adj: readonly Set<number>[], inBorder: Uint8Array): number[] {
  const first = levels(component[0], adj, inBorder);
  const far = first[first.length - 1][0];
  const lv = levels(far, adj, inBorder);
  let count = 0;
  for (const level of lv) {
    count += level.length;
    if (2 * count >= component.length) return level;
  }
  return lv[lv.length - 1];
}

/** Moves the terms of variables outside `keep` into the offset (they are held fixed). */
export function restrictRows(rows: readonly Row[], vars: Int32Array, keep: readonly number[]): { rows: Row[]; vars: Int32Array } {
  const local = new Map<number, number>();
  keep.forEach((k, i) => local.set(k, i));
  const slotIR = (k: number): IR => ({ t: 'slot', s: vars[k] });
  const split = (d: IR, ts: readonly Term[]): { d: IR; g: Term[] } => {
    let dd = d;
    const g: Term[] = [];
    for (const t of ts) {
      const l = local.get(t.k);
      if (l !== undefined) g.push({ k: l, coef: t.coef });
      else dd = bin('-', dd, bin('*', t.coef, slotIR(t.k)));
    }
    return { d: dd, g };
  };
  const out: Row[] = [];
  for (const r of rows) {
    if (r.kind === 'scalar') {
      const s = split(r.d, r.g);
      if (s.g.length > 0) out.push({ ...r, d: s.d, g: s.g });
    } else {
      const parts = r.g.map((ts, a) => split(r.d[a], ts));
      if (parts.some((p) => p.g.length > 0)) out.push({ ...r, d: parts.map((p) => p.d), g: parts.map((p) => p.g) });
    }
  }
  return { rows: out, vars: Int32Array.from(keep, (k) => vars[k]) };
}

/** The precompiled structure of one block, shared by the chains of a thread. */
export class GaussianBlockPlan {
  readonly k: number;
  readonly vars: Int32Array;
  readonly nodes: readonly number[];
  readonly partition: Partition;
  readonly storageSize: number;
  /** Per variable: its cluster (-1 = border) and index within it. */
  readonly varCluster: Int32Array;
  readonly varLocal: Int32Array;
  readonly clusterA: Int32Array;
  readonly clusterB: Int32Array;
  readonly borderOffset: number;

  // Scalar rows: entries (variable, coefficient) and the pairs of entries whose products go
  // into Q, in flat arrays; the coefficients, offsets d and precisions that are not constant
  // are evaluated each time by generated loops (ExprProgram).
  readonly grouped: GroupedRows;
  readonly nRows: number;
  readonly rowEnt: Int32Array;
  readonly entVar: Int32Array;
  readonly coefProgram: ExprProgram;
  readonly dProgram: ExprProgram;
  readonly precProgram: ExprProgram;
  readonly rowPair: Int32Array;
  readonly pairA: Int32Array;
  readonly pairB: Int32Array;
  readonly pairPos: Int32Array;

  // Vector (dmnorm) rows, flattened: row r has q[r] residual elements starting at vdOff[r]
  // of the offset buffer, its precision matrix at vomOff[r] of the precision buffer (rows
  // that read the same matrix share it), entries vEnt[r] … vEnt[r+1]−1 (variable, element of
  // the row, coefficient) and entry pairs vCombo[r] … vCombo[r+1]−1.
  readonly nVRows: number;
  readonly vq: Int32Array;
  readonly vdOff: Int32Array;
  readonly vomOff: Int32Array;
  readonly vEnt: Int32Array;
  readonly vEntVar: Int32Array;
  readonly vEntRow: Int32Array;
  readonly vCombo: Int32Array;
  readonly vComboA: Int32Array;
  readonly vComboB: Int32Array;
  readonly vComboPos: Int32Array;
  readonly vdSize: number;
  readonly vomSize: number;
  readonly vCoefProgram: ExprProgram;
  readonly vdProgram: ExprProgram;
  readonly vomProgram: ExprProgram;
  readonly maxQ: number;
  readonly refreshList: RefreshProgram;
  readonly labels: readonly string[];

  constructor(
    private readonly model: CompiledModel,
    spec: BlockSpec,
    partition: Partition,
  ) {
    this.k = spec.vars.length;
    this.vars = spec.vars;
    this.nodes = spec.nodes;
    this.partition = partition;
    this.labels = spec.nodes.map((id) => model.nodes[id].label);
    const k = this.k;
    this.varCluster = new Int32Array(k).fill(-1);
    this.varLocal = new Int32Array(k);
    const m = partition.border.length;
    this.clusterA = new Int32Array(partition.clusters.length);
    this.clusterB = new Int32Array(partition.clusters.length);
    let off = 0;
    partition.clusters.forEach((c, g) => {
      c.forEach((x, i) => {
        this.varCluster[x] = g;
        this.varLocal[x] = i;
      });
      this.clusterA[g] = off;
      off += c.length * c.length;
      this.clusterB[g] = off;
      off += c.length * m;
    });
    partition.border.forEach((x, i) => (this.varLocal[x] = i));
    this.borderOffset = off;
    off += m * m;
    this.storageSize = off;

    // Scalar rows: those of groups whose Q can be precomputed (see GroupedRows), the rest
    // one by one.
    const allScalar = spec.rows.filter((r): r is Extract<Row, { kind: 'scalar' }> => r.kind === 'scalar');
    const { grouped, rest: scalar } = groupRows(allScalar);
    this.grouped = new GroupedRows(grouped, (a, b) => this.pos(a, b));
    this.nRows = scalar.length;
    const rowEnt = [0];
    const entVar: number[] = [];
    const coefs: IR[] = [];
    const rowPair = [0];
    const pairA: number[] = [];
    const pairB: number[] = [];
    const pairPos: number[] = [];
    for (const r of scalar) {
      const base = entVar.length;
      for (const t of r.g) {
        coefs.push(t.coef);
        entVar.push(t.k);
      }
      rowEnt.push(entVar.length);
      for (let i = 0; i < r.g.length; i++) {
        for (let j = 0; j <= i; j++) {
          pairA.push(base + i);
          pairB.push(base + j);
          pairPos.push(this.pos(r.g[i].k, r.g[j].k));
        }
      }
      rowPair.push(pairA.length);
    }
    this.rowEnt = Int32Array.from(rowEnt);
    this.entVar = Int32Array.from(entVar);
    this.coefProgram = new ExprProgram(coefs);
    this.dProgram = new ExprProgram(scalar.map((r) => r.d));
    this.precProgram = new ExprProgram(scalar.map((r) => r.prec));
    this.rowPair = Int32Array.from(rowPair);
    this.pairA = Int32Array.from(pairA);
    this.pairB = Int32Array.from(pairB);
    this.pairPos = Int32Array.from(pairPos);

    // Vector rows.
    const vector = spec.rows.filter((r): r is Extract<Row, { kind: 'vector' }> => r.kind === 'vector');
    this.nVRows = vector.length;
    const vq: number[] = [];
    const vdOff: number[] = [];
    const vomOff: number[] = [];
    const vEnt = [0];
    const vEntVar: number[] = [];
    const vEntRow: number[] = [];
    const vCoefs: IR[] = [];
    const vCombo = [0];
    const ca: number[] = [];
    const cb: number[] = [];
    const cp: number[] = [];
    const vds: IR[] = [];
    const oms: IR[] = [];
    const omShared = new Map<string, number>();
    let maxQ = 0;
    for (const r of vector) {
      vq.push(r.q);
      maxQ = Math.max(maxQ, r.q);
      vdOff.push(vds.length);
      for (const e of r.d) vds.push(e);
      const key = matrixKey(r.prec.elems);
      let at = key === null ? undefined : omShared.get(key);
      if (at === undefined) {
        at = oms.length;
        for (const e of r.prec.elems) oms.push(e);
        if (key !== null) omShared.set(key, at);
      }
      vomOff.push(at);
      const first = vEntVar.length;
      r.g.forEach((ts, a) => {
        for (const t of ts) {
          vEntVar.push(t.k);
          vEntRow.push(a);
          vCoefs.push(t.coef);
        }
      });
      for (let i = first; i < vEntVar.length; i++) {
        for (let j = first; j < vEntVar.length; j++) {
          if (vEntVar[i] >= vEntVar[j]) {
            ca.push(i);
            cb.push(j);
            cp.push(this.pos(vEntVar[i], vEntVar[j]));
          }
        }
      }
      vEnt.push(vEntVar.length);
      vCombo.push(ca.length);
    }
    this.vq = Int32Array.from(vq);
    this.vdOff = Int32Array.from(vdOff);
    this.vomOff = Int32Array.from(vomOff);
    this.vEnt = Int32Array.from(vEnt);
    this.vEntVar = Int32Array.from(vEntVar);
    this.vEntRow = Int32Array.from(vEntRow);
    this.vCombo = Int32Array.from(vCombo);
    this.vComboA = Int32Array.from(ca);
    this.vComboB = Int32Array.from(cb);
    this.vComboPos = Int32Array.from(cp);
    this.vdSize = vds.length;
    this.vomSize = oms.length;
    this.vCoefProgram = new ExprProgram(vCoefs);
    this.vdProgram = new ExprProgram(vds);
    this.vomProgram = new ExprProgram(oms);
    this.maxQ = maxQ;
    this.refreshList = refreshProgram(model, spec.nodes);
  }

  /** Storage index of Q[a, b] (symmetric: either order). */
  pos(a: number, b: number): number {
    const ga = this.varCluster[a];
    const gb = this.varCluster[b];
    const m = this.partition.border.length;
    const la = this.varLocal[a];
    const lb = this.varLocal[b];
    if (ga < 0 && gb < 0) return this.borderOffset + Math.max(la, lb) + Math.min(la, lb) * m;
    if (ga >= 0 && gb >= 0) {
      if (ga !== gb) throw new Error('internal: variables of different clusters share a row');
      const n = this.partition.clusters[ga].length;
      return this.clusterA[ga] + Math.max(la, lb) + Math.min(la, lb) * n;
    }
    const g = ga >= 0 ? ga : gb;
    const li = ga >= 0 ? la : lb;
    const d = ga >= 0 ? lb : la;
    const n = this.partition.clusters[g].length;
    return this.clusterB[g] + li + d * n;
  }

  makeSampler(): GaussianBlockSampler {
    return new GaussianBlockSampler(this.model, this);
  }
}

/** c · v[slot], or the constant c alone when slot is −1. */
interface Scaled {
  readonly c: number;
  readonly slot: number;
}

/** An expression as a constant times at most one slot, or null. */
function scaledSlot(ir: IR): Scaled | null {
  if (ir.t === 'const') return { c: ir.v, slot: -1 };
  if (ir.t === 'slot') return { c: 1, slot: ir.s };
  if (ir.t === 'neg') {
    const x = scaledSlot(ir.a);
    return x && { c: -x.c, slot: x.slot };
  }
  if (ir.t === 'bin' && (ir.op === '*' || ir.op === '/')) {
    if (ir.a.t === 'slot' && ir.b.t === 'const') return { c: ir.op === '*' ? ir.b.v : 1 / ir.b.v, slot: ir.a.s };
    if (ir.op === '*' && ir.a.t === 'const' && ir.b.t === 'slot') return { c: ir.a.v, slot: ir.b.s };
  }
  return null;
}

type ScalarRow = Extract<Row, { kind: 'scalar' }>;

/**
 * Splits scalar rows into groups that share a precision factor W (the slot of tau.y, of a
 * group-level precision, or none) and in which every variable's coefficients are constants
 * times one common factor F_k (a slot such as xi, or none): such a group adds
 * W · F_a F_b · Σ_rows w_r c_ra c_rb to Q[a, b], a sum over rows that is computed once. The
 * likelihood of y ~ x + (x | g) is one group, each set of group-level priors another.
 */
function groupRows(rows: readonly ScalarRow[]): { grouped: ScalarRow[][]; rest: ScalarRow[] } {
  const byW = new Map<number, { rows: ScalarRow[]; factor: Map<number, number>; ok: boolean }>();
  const rest: ScalarRow[] = [];
  for (const r of rows) {
    const w = scaledSlot(r.prec);
    const cs = r.g.map((t) => scaledSlot(t.coef));
    if (!w || cs.some((c) => c === null)) {
      rest.push(r);
      continue;
    }
    let g = byW.get(w.slot);
    if (!g) byW.set(w.slot, (g = { rows: [], factor: new Map(), ok: true }));
    g.rows.push(r);
    r.g.forEach((t, i) => {
      const f = cs[i]!.slot;
      const prev = g!.factor.get(t.k);
      if (prev === undefined) g!.factor.set(t.k, f);
      else if (prev !== f) g!.ok = false;
    });
  }
  const grouped: ScalarRow[][] = [];
  for (const g of byW.values()) {
    // Precomputing pays only when rows share entries of Q.
    if (g.ok && g.rows.length > 1) grouped.push(g.rows);
    else rest.push(...g.rows);
  }
  return { grouped, rest };
}

/**
 * The precomputed part of Q and h for groups of rows from groupRows. Per group: its W slot;
 * entries (Q position, F slots of the two variables, Σ w c c); the constant-offset part of h
 * (variable, F slot, Σ w c d); and, for rows whose offset d changes, their entries (variable,
 * F slot, w·c, row) with d evaluated by an ExprProgram.
 */
class GroupedRows {
  private readonly wSlot: Int32Array;
  private readonly qStart: Int32Array;
  private readonly qPos: Int32Array;
  private readonly qFa: Int32Array;
  private readonly qFb: Int32Array;
  private readonly qVal: Float64Array;
  private readonly hStart: Int32Array;
  private readonly hVar: Int32Array;
  private readonly hF: Int32Array;
  private readonly hVal: Float64Array;
  private readonly dStart: Int32Array;
  private readonly dVar: Int32Array;
  private readonly dF: Int32Array;
  private readonly dVal: Float64Array;
  private readonly dRow: Int32Array;
  private readonly dProgram: ExprProgram;
  readonly dynamicRows: number;

  constructor(groups: readonly ScalarRow[][], pos: (a: number, b: number) => number) {
    const wSlot: number[] = [];
    const qStart = [0];
    const qPos: number[] = [];
    const qFa: number[] = [];
    const qFb: number[] = [];
    const qVal: number[] = [];
    const hStart = [0];
    const hVar: number[] = [];
    const hF: number[] = [];
    const hVal: number[] = [];
    const dStart = [0];
    const dVar: number[] = [];
    const dF: number[] = [];
    const dVal: number[] = [];
    const dRow: number[] = [];
    const dIRs: IR[] = [];
    for (const rows of groups) {
      wSlot.push(scaledSlot(rows[0].prec)!.slot);
      const q = new Map<number, { fa: number; fb: number; val: number }>();
      const h = new Map<number, { f: number; val: number }>();
      for (const r of rows) {
        const w0 = scaledSlot(r.prec)!.c;
        const cs = r.g.map((t) => scaledSlot(t.coef)!);
        for (let i = 0; i < r.g.length; i++) {
          for (let j = 0; j <= i; j++) {
            const at = pos(r.g[i].k, r.g[j].k);
            const e = q.get(at) ?? { fa: cs[i].slot, fb: cs[j].slot, val: 0 };
            e.val += w0 * cs[i].c * cs[j].c;
            q.set(at, e);
          }
        }
        if (r.d.t === 'const') {
          const d = r.d.v;
          r.g.forEach((t, i) => {
            const e = h.get(t.k) ?? { f: cs[i].slot, val: 0 };
            e.val += w0 * cs[i].c * d;
            h.set(t.k, e);
          });
        } else {
          const row = dIRs.length;
          dIRs.push(r.d);
          r.g.forEach((t, i) => {
            dVar.push(t.k);
            dF.push(cs[i].slot);
            dVal.push(w0 * cs[i].c);
            dRow.push(row);
          });
        }
      }
      for (const [at, e] of q) {
        qPos.push(at);
        qFa.push(e.fa);
        qFb.push(e.fb);
        qVal.push(e.val);
      }
      for (const [k, e] of h) {
        hVar.push(k);
        hF.push(e.f);
        hVal.push(e.val);
      }
      qStart.push(qPos.length);
      hStart.push(hVar.length);
      dStart.push(dVar.length);
    }
    this.wSlot = Int32Array.from(wSlot);
    this.qStart = Int32Array.from(qStart);
    this.qPos = Int32Array.from(qPos);
    this.qFa = Int32Array.from(qFa);
    this.qFb = Int32Array.from(qFb);
    this.qVal = Float64Array.from(qVal);
    this.hStart = Int32Array.from(hStart);
    this.hVar = Int32Array.from(hVar);
    this.hF = Int32Array.from(hF);
    this.hVal = Float64Array.from(hVal);
    this.dStart = Int32Array.from(dStart);
    this.dVar = Int32Array.from(dVar);
    this.dF = Int32Array.from(dF);
    this.dVal = Float64Array.from(dVal);
    this.dRow = Int32Array.from(dRow);
    this.dProgram = new ExprProgram(dIRs);
    this.dynamicRows = dIRs.length;
  }

  fill(d: Float64Array): void {
    this.dProgram.fill(d);
  }

  /** Adds the groups' part to Q and h; `d` is the buffer for the changing offsets. */
  add(v: Float64Array, q: Float64Array, h: Float64Array, d: Float64Array): void {
    const { wSlot, qStart, qPos, qFa, qFb, qVal, hStart, hVar, hF, hVal, dStart, dVar, dF, dVal, dRow } = this;
    if (this.dynamicRows > 0) this.dProgram.run(v, d);
    for (let g = 0; g < wSlot.length; g++) {
      const ws = wSlot[g];
      const w = ws >= 0 ? v[ws] : 1;
      for (let t = qStart[g], end = qStart[g + 1]; t < end; t++) {
        const fa = qFa[t];
        const fb = qFb[t];
        q[qPos[t]] += w * (fa >= 0 ? v[fa] : 1) * (fb >= 0 ? v[fb] : 1) * qVal[t];
      }
      for (let t = hStart[g], end = hStart[g + 1]; t < end; t++) {
        const f = hF[t];
        h[hVar[t]] += w * (f >= 0 ? v[f] : 1) * hVal[t];
      }
      for (let t = dStart[g], end = dStart[g + 1]; t < end; t++) {
        const f = dF[t];
        h[dVar[t]] += w * (f >= 0 ? v[f] : 1) * dVal[t] * d[dRow[t]];
      }
    }
  }
}

/** A key shared by equal matrices of slots and constants (null: do not share). */
function matrixKey(elems: readonly IR[]): string | null {
  let key = '';
  for (const e of elems) {
    if (e.t === 'slot') key += `s${e.s},`;
    else if (e.t === 'const') key += `c${e.v},`;
    else return null;
  }
  return key;
}

export class GaussianBlockSampler implements Sampler {
  readonly kind = 'GaussianBlock';
  readonly nodes: readonly number[];
  private readonly q: Float64Array;
  private readonly h: Float64Array;
  private readonly coef: Float64Array;
  private readonly d: Float64Array;
  private readonly x: Float64Array;
  private readonly u: Float64Array;
  private readonly w: Float64Array;
  private readonly vcoef: Float64Array;
  private readonly vd: Float64Array;
  private readonly vom: Float64Array;
  private readonly od: Float64Array;
  /** Offsets d of the grouped rows whose d is not constant. */
  private readonly gd: Float64Array;

  constructor(
    private readonly model: CompiledModel,
    private readonly plan: GaussianBlockPlan,
  ) {
    this.nodes = plan.nodes;
    this.q = new Float64Array(plan.storageSize);
    this.h = new Float64Array(plan.k);
    this.coef = new Float64Array(plan.entVar.length);
    plan.coefProgram.fill(this.coef);
    this.d = new Float64Array(plan.nRows);
    plan.dProgram.fill(this.d);
    this.w = new Float64Array(plan.nRows);
    plan.precProgram.fill(this.w);
    this.x = new Float64Array(plan.k);
    this.u = new Float64Array(plan.k);
    this.vcoef = new Float64Array(plan.vEntVar.length);
    plan.vCoefProgram.fill(this.vcoef);
    this.vd = new Float64Array(plan.vdSize);
    plan.vdProgram.fill(this.vd);
    this.vom = new Float64Array(plan.vomSize);
    plan.vomProgram.fill(this.vom);
    this.od = new Float64Array(plan.maxQ);
    this.gd = new Float64Array(plan.grouped.dynamicRows);
    plan.grouped.fill(this.gd);
  }

  endAdaptation(): void {}

  /** Fills Q and h from the current values of everything outside the block. */
  assemble(v: Float64Array): void {
    const p = this.plan;
    const q = this.q;
    const h = this.h;
    const coef = this.coef;
    const d = this.d;
    const w = this.w;
    q.fill(0);
    h.fill(0);
    p.coefProgram.run(v, coef);
    p.dProgram.run(v, d);
    p.precProgram.run(v, w);
    p.grouped.add(v, q, h, this.gd);
    const { rowEnt, entVar, rowPair, pairA, pairB, pairPos } = p;
    for (let r = 0, nr = p.nRows; r < nr; r++) {
      const wr = w[r];
      const dw = d[r] * wr;
      for (let e = rowEnt[r], end = rowEnt[r + 1]; e < end; e++) h[entVar[e]] += coef[e] * dw;
      for (let t = rowPair[r], end = rowPair[r + 1]; t < end; t++) q[pairPos[t]] += wr * coef[pairA[t]] * coef[pairB[t]];
    }
    if (p.nVRows === 0) return;
    const vcoef = this.vcoef;
    const vd = this.vd;
    const vom = this.vom;
    const od = this.od;
    p.vCoefProgram.run(v, vcoef);
    p.vdProgram.run(v, vd);
    p.vomProgram.run(v, vom);
    const { vq, vdOff, vomOff, vEnt, vEntVar, vEntRow, vCombo, vComboA, vComboB, vComboPos } = p;
    for (let r = 0, nr = p.nVRows; r < nr; r++) {
      const n = vq[r];
      const dOff = vdOff[r];
      const oOff = vomOff[r];
      // Ω d
      for (let a = 0; a < n; a++) {
        let s = 0;
        for (let c = 0; c < n; c++) s += vom[oOff + a + c * n] * vd[dOff + c];
        od[a] = s;
      }
      for (let e = vEnt[r], end = vEnt[r + 1]; e < end; e++) h[vEntVar[e]] += vcoef[e] * od[vEntRow[e]];
      for (let t = vCombo[r], end = vCombo[r + 1]; t < end; t++) {
        const ea = vComboA[t];
        const eb = vComboB[t];
        q[vComboPos[t]] += vom[oOff + vEntRow[ea] + vEntRow[eb] * n] * vcoef[ea] * vcoef[eb];
      }
    }
  }

  update(v: Float64Array, rng: Rng): void {
    this.assemble(v);
    this.draw(rng);
    const p = this.plan;
    for (let k = 0; k < p.k; k++) v[p.vars[k]] = this.x[k];
    p.refreshList.run(v);
  }

  /** The posterior mean given the current assembly (for tests). */
  mean(): Float64Array {
    this.factorAndSolve(null);
    return Float64Array.from(this.x);
  }

  private draw(rng: Rng): void {
    this.factorAndSolve(rng);
  }

  /** Factors Q, then x = L'⁻¹(L⁻¹h + z) with z ~ N(0, I) (z = 0 when rng is null). */
  private factorAndSolve(rng: Rng | null): void {
    const p = this.plan;
    const q = this.q;
    const { clusters, border } = p.partition;
    const m = border.length;
    const u = this.u;
    const x = this.x;
    const h = this.h;
    const dOff = p.borderOffset;
    // Clusters: L_g, W_g = L_g⁻¹ B_g (in place), u_g = L_g⁻¹ h_g.
    for (let g = 0; g < clusters.length; g++) {
      const c = clusters[g];
      const n = c.length;
      const a = p.clusterA[g];
      const bo = p.clusterB[g];
      if (!cholAt(q, a, n)) this.fail(c);
      for (let col = 0; col < m; col++) forwardAt(q, a, n, q, bo + col * n);
      for (let i = 0; i < n; i++) u[c[i]] = h[c[i]];
      forwardGather(q, a, n, u, c);
      // Border Schur complement: D -= W_g' W_g; h_D -= W_g' u_g.
      for (let d1 = 0; d1 < m; d1++) {
        const w1 = bo + d1 * n;
        let s = 0;
        for (let i = 0; i < n; i++) s += q[w1 + i] * u[c[i]];
        h[border[d1]] -= s;
        for (let d2 = 0; d2 <= d1; d2++) {
          const w2 = bo + d2 * n;
          let t = 0;
          for (let i = 0; i < n; i++) t += q[w1 + i] * q[w2 + i];
          q[dOff + d1 + d2 * m] -= t;
        }
      }
    }
    if (m > 0) {
      if (!cholAt(q, dOff, m)) this.fail(border);
      for (let i = 0; i < m; i++) u[border[i]] = h[border[i]];
      forwardGather(q, dOff, m, u, border);
      for (let i = 0; i < m; i++) x[border[i]] = u[border[i]] + (rng ? rng.normal() : 0);
      backwardGather(q, dOff, m, x, border);
    }
    for (let g = 0; g < clusters.length; g++) {
      const c = clusters[g];
      const n = c.length;
      const a = p.clusterA[g];
      const bo = p.clusterB[g];
      for (let i = 0; i < n; i++) {
        let s = u[c[i]] + (rng ? rng.normal() : 0);
        for (let d = 0; d < m; d++) s -= q[bo + i + d * n] * x[border[d]];
        x[c[i]] = s;
      }
      backwardGather(q, a, n, x, c);
    }
  }

  private fail(vars: Int32Array): never {
    const p = this.plan;
    const names = new Set<string>();
    for (const k of vars) names.add(this.model.nodes[this.model.owner[p.vars[k]]].label);
    const list = [...names].slice(0, 5).join(', ');
    throw new Lmer2JagsError(`the joint normal conditional of ${list}${names.size > 5 ? ', …' : ''} is not positive definite`, {
      location: { kind: 'file', path: this.model.path },
      hint: 'a precision is zero or infinite, or the posterior is improper (a flat prior with no data informing the node)',
    });
  }
}

/** In-place Cholesky of the n×n lower block stored at a[off + i + j n]. */
function cholAt(a: Float64Array, off: number, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const cj = off + j * n;
    let d = a[cj + j];
    for (let k = 0; k < j; k++) {
      const l = a[off + k * n + j];
      d -= l * l;
    }
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    a[cj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[cj + i];
      for (let k = 0; k < j; k++) s -= a[off + k * n + i] * a[off + k * n + j];
      a[cj + i] = s / ljj;
    }
  }
  return true;
}

/** Solves L y = b in place, b = vec[bo … bo+n-1], L lower at a[off]. */
function forwardAt(a: Float64Array, off: number, n: number, vec: Float64Array, bo: number): void {
  for (let i = 0; i < n; i++) {
    let s = vec[bo + i];
    for (let k = 0; k < i; k++) s -= a[off + k * n + i] * vec[bo + k];
    vec[bo + i] = s / a[off + i * n + i];
  }
}

/** Solves L y = b in place where b lives at vec[idx[i]]. */
function forwardGather(a: Float64Array, off: number, n: number, vec: Float64Array, idx: Int32Array): void {
  for (let i = 0; i < n; i++) {
    let s = vec[idx[i]];
    for (let k = 0; k < i; k++) s -= a[off + k * n + i] * vec[idx[k]];
    vec[idx[i]] = s / a[off + i * n + i];
  }
}

/** Solves L' y = b in place where b lives at vec[idx[i]]. */
function backwardGather(a: Float64Array, off: number, n: number, vec: Float64Array, idx: Int32Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = vec[idx[i]];
    for (let k = i + 1; k < n; k++) s -= a[off + i * n + k] * vec[idx[k]];
    vec[idx[i]] = s / a[off + i * n + i];
  }
}

/**
 * Plans for a block spec: one plan if its variables can be partitioned, else the block is
 * split (by variable name, then node by node) into blocks that can.
 */
export function planBlocks(model: CompiledModel, spec: BlockSpec): GaussianBlockPlan[] {
  const rowSets = spec.rows.map((r) => (r.kind === 'scalar' ? r.g.map((t) => t.k) : r.g.flatMap((ts) => ts.map((t) => t.k))));
  const together: number[][] = [];
  const varIndex = new Map<number, number>();
  spec.vars.forEach((s, k) => varIndex.set(s, k));
  for (const id of spec.nodes) {
    const ss = model.nodes[id].slots;
    if (ss.length > 1) together.push(Array.from(ss, (s) => varIndex.get(s)!));
  }
  const part = partitionVariables(spec.vars.length, rowSets, together);
  if (part) return [new GaussianBlockPlan(model, spec, part)];
  // Split: by array variable name first, then node by node.
  const byName = new Map<string, number[]>();
  for (const id of spec.nodes) {
    const name = model.nodes[id].label.replace(/\[.*$/, '');
    let list = byName.get(name);
    if (!list) byName.set(name, (list = []));
    list.push(id);
  }
  const groups = byName.size > 1 ? [...byName.values()] : spec.nodes.map((id) => [id]);
  const out: GaussianBlockPlan[] = [];
  for (const ids of groups) {
    const keep: number[] = [];
    for (const id of ids) for (const s of model.nodes[id].slots) keep.push(varIndex.get(s)!);
    keep.sort((a, b) => a - b);
    const sub = restrictRows(spec.rows, spec.vars, keep);
    out.push(...planBlocks(model, { vars: sub.vars, nodes: ids, rows: sub.rows }));
  }
  return out;
}

export { constIR };
