/**
 * Structural comparison of two BUGS models, for golden tests against a model written by hand
 * (the seed post's): both are parsed with the bundled BUGS grammar (src/bugs/parse.ts), every
 * relation is flattened with the loops around it (a relation's meaning does not depend on
 * its order in the file, nor on which loop over the same range holds it), comments and
 * layout vanish with the parse, and the two lists of relations are matched one to one under
 * a renaming of variables that must be a bijection. Numbers must be equal as numbers
 * (`0.0001` = `1.0E-4`); `+` and `*` may have their operands either way round.
 *
 * The renaming starts from the pairs the caller knows (names.json against the post's names,
 * data variables matched by their values) and grows by unification: a relation whose match
 * is forced extends it with the pairs its match implies (`tau.y <- sigma.y^-2` pairs tau.y
 * once sigma.y is paired).
 */
import type { Expr, IndexExpr, Relation } from '../../src/bugs/ast.js';
import { parseModel } from '../../src/bugs/parse.js';

/** A loop around a relation: its range (the counter is replaced by its depth). */
export interface LoopContext {
  readonly lo: Expr;
  readonly hi: Expr;
}

/** One relation with the loops around it, outermost first. */
export interface FlatRelation {
  readonly loops: readonly LoopContext[];
  readonly relation: Exclude<Relation, { kind: 'for' }>;
  /** Loop counters in scope, outermost first (to recognise them in expressions). */
  readonly counters: readonly string[];
  /** The relation as text, for messages. */
  readonly text: string;
}

export function flattenModel(text: string, path: string): FlatRelation[] {
  const model = parseModel(text, path);
  const out: FlatRelation[] = [];
  const walk = (rels: readonly Relation[], loops: LoopContext[], counters: string[]) => {
    for (const r of rels) {
      if (r.kind === 'for') walk(r.body, [...loops, { lo: r.range.lo, hi: r.range.hi }], [...counters, r.counter]);
      else out.push({ loops, relation: r, counters, text: text.slice(r.loc.start, r.loc.end).replace(/\s+/g, ' ') });
    }
  };
  walk(model.relations, [], []);
  return out;
}

/** A renaming from the names of model A to those of model B, kept a bijection. */
export class Renaming {
  readonly forward = new Map<string, string>();
  readonly backward = new Map<string, string>();

  static from(pairs: Iterable<readonly [string, string]>): Renaming {
    const r = new Renaming();
    for (const [a, b] of pairs) {
      if (!r.bind(a, b)) throw new Error(`inconsistent starting pair ${a} -> ${b}`);
    }
    return r;
  }

  clone(): Renaming {
    const r = new Renaming();
    for (const [a, b] of this.forward) r.bind(a, b);
    return r;
  }

  /** Pairs a with b; false if either is already paired with something else. */
  bind(a: string, b: string): boolean {
    const fa = this.forward.get(a);
    const bb = this.backward.get(b);
    if (fa === undefined && bb === undefined) {
      this.forward.set(a, b);
      this.backward.set(b, a);
      return true;
    }
    return fa === b && bb === a;
  }
}

interface Scope {
  readonly counters: readonly string[];
}

function unifyIndex(a: IndexExpr | null, sa: Scope, b: IndexExpr | null, sb: Scope, r: Renaming): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'at' && b.kind === 'at') return unifyExpr(a.expr, sa, b.expr, sb, r);
  if (a.kind === 'range' && b.kind === 'range') return unifyExpr(a.lo, sa, b.lo, sb, r) && unifyExpr(a.hi, sa, b.hi, sb, r);
  return false;
}

/** Unifies two expressions, extending `r` (which is left changed only on success by callers that clone). */
function unifyExpr(a: Expr, sa: Scope, b: Expr, sb: Scope, r: Renaming): boolean {
  if (a.kind !== b.kind) {
    // `-2` may be a number or a minus applied to one, depending on where it stands.
    const na = numeric(a);
    const nb = numeric(b);
    return na !== null && nb !== null && Object.is(na, nb);
  }
  switch (a.kind) {
    case 'number':
      return a.value === (b as typeof a).value;
    case 'var': {
      const v = b as typeof a;
      const ca = sa.counters.lastIndexOf(a.name);
      const cb = sb.counters.lastIndexOf(v.name);
      if (ca >= 0 || cb >= 0) {
        if (ca !== cb || a.indices !== null || v.indices !== null) return false;
        return true;
      }
      if (!r.bind(a.name, v.name)) return false;
      const ia = a.indices ?? [];
      const ib = v.indices ?? [];
      if (ia.length !== ib.length) return false;
      return ia.every((x, k) => unifyIndex(x, sa, ib[k], sb, r));
    }
    case 'call': {
      const c = b as typeof a;
      return a.fn === c.fn && a.args.length === c.args.length && a.args.every((x, k) => unifyExpr(x, sa, c.args[k], sb, r));
    }
    case 'unary': {
      const u = b as typeof a;
      if (a.op !== u.op) return false;
      const na = numeric(a);
      const nb = numeric(u);
      if (na !== null || nb !== null) return na !== null && nb !== null && Object.is(na, nb);
      return unifyExpr(a.operand, sa, u.operand, sb, r);
    }
    case 'binary': {
      const c = b as typeof a;
      if (a.op !== c.op) return false;
      const straight = r.clone();
      if (unifyExpr(a.left, sa, c.left, sb, straight) && unifyExpr(a.right, sa, c.right, sb, straight)) return adopt(r, straight);
      if (a.op !== '+' && a.op !== '*') return false;
      const crossed = r.clone();
      if (unifyExpr(a.left, sa, c.right, sb, crossed) && unifyExpr(a.right, sa, c.left, sb, crossed)) return adopt(r, crossed);
      return false;
    }
  }
}

function numeric(e: Expr): number | null {
  if (e.kind === 'number') return e.value;
  if (e.kind === 'unary' && (e.op === '-' || e.op === '+')) {
    const v = numeric(e.operand);
    return v === null ? null : e.op === '-' ? -v : v;
  }
  return null;
}

function adopt(into: Renaming, from: Renaming): boolean {
  for (const [a, b] of from.forward) if (!into.bind(a, b)) return false;
  return true;
}

/** Whether relation a (of model A) and b (of model B) are the same under an extension of r. */
export function unifyRelations(a: FlatRelation, b: FlatRelation, r: Renaming): Renaming | null {
  if (a.loops.length !== b.loops.length) return null;
  const ra = a.relation;
  const rb = b.relation;
  if (ra.kind !== rb.kind) return null;
  const t = r.clone();
  for (let d = 0; d < a.loops.length; d++) {
    const sa = { counters: a.counters.slice(0, d) };
    const sb = { counters: b.counters.slice(0, d) };
    if (!unifyExpr(a.loops[d].lo, sa, b.loops[d].lo, sb, t) || !unifyExpr(a.loops[d].hi, sa, b.loops[d].hi, sb, t)) return null;
  }
  const sa = { counters: a.counters };
  const sb = { counters: b.counters };
  if (!unifyExpr(ra.lhs, sa, rb.lhs, sb, t)) return null;
  if (ra.kind === 'stochastic' && rb.kind === 'stochastic') {
    if (ra.dist !== rb.dist || ra.args.length !== rb.args.length) return null;
    if (!ra.args.every((x, k) => unifyExpr(x, sa, rb.args[k], sb, t))) return null;
    if ((ra.bounds === null) !== (rb.bounds === null)) return null;
    return t;
  }
  if (ra.kind === 'deterministic' && rb.kind === 'deterministic') {
    if (ra.link !== rb.link) return null;
    return unifyExpr(ra.rhs, sa, rb.rhs, sb, t) ? t : null;
  }
  return null;
}

export interface StructureMatch {
  /** True when every relation of A is matched to one of B (and the counts agree). */
  readonly same: boolean;
  readonly renaming: Renaming;
  /** Relations left without a partner, as text. */
  readonly unmatchedA: readonly string[];
  readonly unmatchedB: readonly string[];
  /** Matched pairs, as text. */
  readonly pairs: readonly (readonly [string, string])[];
}

/**
 * Matches the relations of A to those of B one to one. Each round commits the relations of A
 * with exactly one partner left; when none is forced, the first with any partner is taken
 * (a wrong guess can only make the match fail, never make different models pass).
 */
export function matchModels(a: readonly FlatRelation[], b: readonly FlatRelation[], start: Renaming): StructureMatch {
  let r = start.clone();
  const leftA = new Set(a.map((_, i) => i));
  const leftB = new Set(b.map((_, i) => i));
  const pairs: [string, string][] = [];
  for (;;) {
    let committed = false;
    let fallback: { i: number; j: number; r: Renaming } | null = null;
    for (const i of leftA) {
      const candidates: { j: number; r: Renaming }[] = [];
      for (const j of leftB) {
        const u = unifyRelations(a[i], b[j], r);
        if (u) candidates.push({ j, r: u });
      }
      if (candidates.length === 1) {
        r = candidates[0].r;
        leftA.delete(i);
        leftB.delete(candidates[0].j);
        pairs.push([a[i].text, b[candidates[0].j].text]);
        committed = true;
      } else if (candidates.length > 1 && fallback === null) fallback = { i, j: candidates[0].j, r: candidates[0].r };
    }
    if (committed) continue;
    if (fallback === null) break;
    r = fallback.r;
    leftA.delete(fallback.i);
    leftB.delete(fallback.j);
    pairs.push([a[fallback.i].text, b[fallback.j].text]);
  }
  return {
    same: leftA.size === 0 && leftB.size === 0,
    renaming: r,
    unmatchedA: [...leftA].map((i) => a[i].text),
    unmatchedB: [...leftB].map((j) => b[j].text),
    pairs,
  };
}
