/**
 * Shift moves for directions the data barely constrain. With crossed random effects in the
 * group-means form (InstEval: y.hat[i] = a.s[s[i]] + a.d[d[i]] + …, a.s[j] ~ dnorm(mu.a.s, ·),
 * a.d[k] ~ dnorm(0, ·)), moving mu.a.s and every a.s[j] up by c and every a.d[k] down by c
 * leaves every observation's mean unchanged: only the priors of the a.d pin c down, so
 * updating the blocks one after another moves along that direction by tiny steps and the
 * chains barely mix. The same holds for a fixed effect beta and the group effects of the levels
 * that always come with it (beta.service1 and the dept:service levels of service 1).
 *
 * A ShiftSampler draws t exactly from the full conditional along such a direction,
 * θ → θ + t·dir (all the nodes involved are normal and their children linear-Gaussian in
 * them, so t is normal: rows.ts), which is a valid Gibbs step whatever the direction; the
 * directions are chosen where the likelihood alone constrains them at most 1/100 as much as it
 * constrains the source moved on its own.
 *
 * Candidate directions: for two families, each part of their members linked through shared
 * observations, +1 on the part's members of one family and −1 on those of the other (a part
 * holding a whole family takes the family's mean node along, so that family's prior does not
 * move): with crossed factors that is the whole of both, with a factor nested in another (the
 * instructors of a department) one part per outer level. And a lone normal node (a fixed
 * effect) +1 with −1 on the members of a family with a constant mean that share its
 * observations with a nonzero coefficient, when that is not the whole family. A family is a
 * set of unobserved scalar dnorm nodes of one array with the same mean and precision
 * expressions.
 */
import type { Rng } from '../../mcmc/rng.js';
import type { RefreshProgram } from '../kernels.js';
import type { CompiledModel, StochasticNode } from '../compile.js';
import { type IR, evaluator } from '../ir.js';
import { type Row, rowsFor } from '../linear.js';
import { RowSystem } from './rows.js';
import { type Sampler, refreshProgram } from './sampler.js';

/** A direction is kept when the likelihood constrains it this much less than the source alone. */
const FLATNESS = 0.01;
/** At most this many candidate directions are analysed per model. */
const MAX_CANDIDATES = 64;

export class ShiftSampler implements Sampler {
  readonly kind = 'Shift';
  private readonly dets: RefreshProgram;

  constructor(
    model: CompiledModel,
    readonly nodes: readonly number[],
    private readonly rows: RowSystem,
    private readonly slots: Int32Array,
    private readonly dir: Float64Array,
  ) {
    this.dets = refreshProgram(model, nodes);
  }

  update(v: Float64Array, rng: Rng): void {
    this.rows.quadratic(v, this.dir);
    const P = this.rows.precision;
    const b = this.rows.linear;
    if (!(P > 0) || !Number.isFinite(b)) return;
    const t = b / P + rng.normal() / Math.sqrt(P);
    const { slots, dir } = this;
    for (let k = 0; k < slots.length; k++) if (dir[k] !== 0) v[slots[k]] += t * dir[k];
    this.dets.run(v);
  }

  endAdaptation(): void {
    // No tuning.
  }
}

interface Family {
  readonly members: readonly StochasticNode[];
  /** The stochastic node that is the members' mean, or null when the mean is not one node. */
  readonly anchor: StochasticNode | null;
  readonly constantMean: boolean;
}

const key = (ir: IR) => JSON.stringify(ir);

function isFreeNormal(n: StochasticNode): boolean {
  return !n.observed && n.dist.kind === 'scalar' && n.dist.name === 'dnorm' && n.slots.length === 1 && n.bounds === null;
}

function families(model: CompiledModel): Family[] {
  const groups = new Map<string, StochasticNode[]>();
  for (const node of model.nodes) {
    if (node.kind !== 'stochastic' || !isFreeNormal(node)) continue;
    const mean = (node.params[0] as { ir: IR }).ir;
    const prec = (node.params[1] as { ir: IR }).ir;
    const k = `${node.label.replace(/\[.*$/, '')}|${key(mean)}|${key(prec)}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(node);
  }
  const out: Family[] = [];
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const mean = (members[0].params[0] as { ir: IR }).ir;
    let anchor: StochasticNode | null = null;
    if (mean.t === 'slot') {
      const o = model.owner[mean.s];
      const n = o >= 0 ? model.nodes[o] : undefined;
      if (n && n.kind === 'stochastic' && isFreeNormal(n)) anchor = n;
    }
    out.push({ members, anchor, constantMean: mean.t === 'const' });
  }
  return out;
}

/** The observed children of `nodes` in rows where the node's coefficient is nonzero (or unknown). */
function observedRows(model: CompiledModel, nodes: readonly StochasticNode[]): Set<number> | null {
  const r = rowsFor(model, nodes.map((n) => n.id), 'none');
  if (!r) return null;
  const out = new Set<number>();
  for (const row of r.rows) {
    if (row.kind !== 'scalar') return null;
    const child = model.nodes[row.node] as StochasticNode;
    if (!child.observed) continue;
    if (row.g.some((t) => coefValue(model, t.coef) !== 0)) out.add(row.node);
  }
  return out;
}

function coefValue(model: CompiledModel, coef: IR): number {
  const c = evaluator(coef)(model.initial);
  return Number.isNaN(c) ? 1 : c;
}

/** Σ u² over the observed rows for the direction `dir` (unit precisions): how much the data pin it. */
function likelihoodCurvature(model: CompiledModel, rows: readonly Row[], dir: Float64Array): number | null {
  let s = 0;
  for (const row of rows) {
    if (row.kind !== 'scalar') return null;
    if (!(model.nodes[row.node] as StochasticNode).observed) continue;
    let u = 0;
    for (const t of row.g) u += coefValue(model, t.coef) * dir[t.k];
    s += u * u;
  }
  return s;
}

/** A candidate direction: +1 on `plus`, −1 on `minus`; kept when the data barely constrain it. */
function candidate(model: CompiledModel, plus: readonly StochasticNode[], minus: readonly StochasticNode[]): ShiftSampler | null {
  const members = [...plus, ...minus];
  const r = rowsFor(model, members.map((m) => m.id), 'all');
  if (!r) return null;
  const index = new Map<number, number>();
  r.vars.forEach((sl, k) => index.set(sl, k));
  const dir = new Float64Array(r.vars.length);
  const alone = new Float64Array(r.vars.length);
  for (const m of plus) {
    const k = index.get(m.slots[0]);
    if (k === undefined) return null;
    dir[k] = 1;
    alone[k] = 1;
  }
  for (const m of minus) {
    const k = index.get(m.slots[0]);
    if (k === undefined) return null;
    dir[k] = -1;
  }
  const flat = likelihoodCurvature(model, r.rows, dir);
  const base = likelihoodCurvature(model, r.rows, alone);
  if (flat === null || base === null || !(base > 0) || flat > FLATNESS * base) return null;
  return new ShiftSampler(model, members.map((m) => m.id), new RowSystem(model, r.rows), r.vars, dir);
}

/**
 * The connected parts of two families linked through shared observations: each part, moved
 * as a whole (+1 on its members of `a`, −1 on those of `b`), leaves every observation that has
 * one member of each unchanged.
 */
function linkedParts(model: CompiledModel, a: Family, b: Family): { a: StochasticNode[]; b: StochasticNode[] }[] {
  const all = [...a.members, ...b.members];
  const parent = Int32Array.from(all, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const firstReader = new Map<number, number>();
  all.forEach((m, i) => {
    for (const c of m.stochChildren) {
      if (!(model.nodes[c] as StochasticNode).observed) continue;
      const j = firstReader.get(c);
      if (j === undefined) firstReader.set(c, i);
      else {
        const ri = find(i);
        const rj = find(j);
        if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
      }
    }
  });
  const parts = new Map<number, { a: StochasticNode[]; b: StochasticNode[] }>();
  all.forEach((m, i) => {
    const root = find(i);
    let p = parts.get(root);
    if (!p) parts.set(root, (p = { a: [], b: [] }));
    (i < a.members.length ? p.a : p.b).push(m);
  });
  return [...parts.values()].filter((p) => p.a.length > 0 && p.b.length > 0);
}

/** The shift moves worth making in `model` (see the file comment). */
export function findShiftSamplers(model: CompiledModel): ShiftSampler[] {
  const fams = families(model);
  if (fams.length === 0) return [];
  const out: ShiftSampler[] = [];
  let candidates = 0;
  const tryOne = (plus: readonly StochasticNode[], minus: readonly StochasticNode[]): boolean => {
    if (++candidates > MAX_CANDIDATES) return false;
    const s = candidate(model, plus, minus);
    if (s) out.push(s);
    return true;
  };
  // Pairs of families: each linked part; a part holding a whole family takes its mean node along.
  for (let i = 0; i < fams.length; i++) {
    for (let j = i + 1; j < fams.length; j++) {
      const A = fams[i];
      const B = fams[j];
      if (A.anchor && B.members.some((m) => m.id === A.anchor?.id)) continue;
      if (B.anchor && A.members.some((m) => m.id === B.anchor?.id)) continue;
      for (const part of linkedParts(model, A, B)) {
        const plus = part.a.length === A.members.length && A.anchor ? [A.anchor, ...part.a] : part.a;
        const minus = part.b.length === B.members.length && B.anchor ? [B.anchor, ...part.b] : part.b;
        if (!tryOne(plus, minus)) return out;
      }
    }
  }
  // Lone normal nodes (fixed effects) against the members of a family with a constant mean that
  // share their observations with a nonzero coefficient.
  const inFamily = new Set<number>();
  for (const f of fams) {
    for (const m of f.members) inFamily.add(m.id);
    if (f.anchor) inFamily.add(f.anchor.id);
  }
  for (const node of model.nodes) {
    if (node.kind !== 'stochastic' || !isFreeNormal(node) || inFamily.has(node.id)) continue;
    const moving = observedRows(model, [node]);
    if (!moving || moving.size === 0) continue;
    for (const tgt of fams) {
      if (!tgt.constantMean) continue;
      const shared = tgt.members.filter((m) => m.stochChildren.some((c) => moving.has(c)));
      if (shared.length === 0 || shared.length === tgt.members.length) continue;
      if (!tryOne([node], shared)) return out;
    }
  }
  return out;
}
