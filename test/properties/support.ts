/**
 * Shared pieces of the property tests: the fixed seed and run counts, the "only our error
 * class" check, a structural comparison that ignores spans, and a mutator for valid inputs.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Lmer2JagsError } from '../../src/errors.js';
import type { CallArg, Expr, Formula } from '../../src/formula/ast.js';

/**
 * One seed for every property, so a failure reproduces; `LMER2JAGS_PROPERTY_SEED` overrides it
 * and `LMER2JAGS_PROPERTY_RUNS` multiplies the run counts (e.g. 10 for a long local soak).
 */
export const SEED = Number(process.env.LMER2JAGS_PROPERTY_SEED ?? 20250107);
const SCALE = Number(process.env.LMER2JAGS_PROPERTY_RUNS ?? 1);

export function params(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), endOnFailure: false };
}

/**
 * Runs `f`; anything it throws must be a Lmer2JagsError whose message and hint render, and
 * whose location (when it is a span of text) lies within that text. Returns the error, or
 * null when `f` succeeded.
 */
export function onlyUserErrors<T>(f: () => T): { value: T; error: null } | { value: null; error: Lmer2JagsError } {
  try {
    return { value: f(), error: null };
  } catch (e) {
    if (!(e instanceof Lmer2JagsError)) {
      const what = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
      assert.fail(`expected only Lmer2JagsError, got ${what}`);
    }
    checkUserError(e);
    return { value: null, error: e };
  }
}

export async function onlyUserErrorsAsync<T>(f: () => Promise<T>): Promise<Lmer2JagsError | null> {
  try {
    await f();
    return null;
  } catch (e) {
    if (!(e instanceof Lmer2JagsError)) {
      const what = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
      assert.fail(`expected only Lmer2JagsError, got ${what}`);
    }
    checkUserError(e);
    return e;
  }
}

export function checkUserError(e: Lmer2JagsError): void {
  assert.ok(e.message.trim().length > 0, 'the message is not empty');
  assert.equal(e.exitCode, 2, 'a user error exits 2');
  const text = e.format();
  assert.match(text, /^error: /);
  const loc = e.location;
  if (loc?.kind === 'text') {
    assert.ok(loc.span.start >= 0 && loc.span.start <= loc.text.length, `span start ${loc.span.start} within the text (${loc.text.length})`);
    assert.ok(loc.span.end >= loc.span.start && loc.span.end <= loc.text.length, `span end ${loc.span.end} within the text`);
  } else if (loc?.kind === 'file') {
    if (loc.line !== undefined) assert.ok(Number.isInteger(loc.line) && loc.line >= 1, `line ${loc.line} is 1-based`);
    if (loc.column !== undefined) assert.ok(Number.isInteger(loc.column) && loc.column >= 1, `column ${loc.column} is 1-based`);
  }
}

/** The AST as plain data without spans (and, with `dropParens`, without paren nodes). */
export function shapeOf(e: Expr, dropParens = false): unknown {
  switch (e.kind) {
    case 'name':
      return { kind: e.kind, name: e.name, backquoted: e.backquoted };
    case 'number':
      return { kind: e.kind, value: e.value, integer: e.integer, text: e.text };
    case 'string':
      return { kind: e.kind, value: e.value };
    case 'call':
      return { kind: e.kind, fn: e.fn, args: e.args.map((a: CallArg) => ({ name: a.name, value: shapeOf(a.value, dropParens) })) };
    case 'binary':
      return { kind: e.kind, op: e.op, left: shapeOf(e.left, dropParens), right: shapeOf(e.right, dropParens) };
    case 'unary':
      return { kind: e.kind, op: e.op, operand: shapeOf(e.operand, dropParens) };
    case 'paren':
      return dropParens ? shapeOf(e.expr, dropParens) : { kind: e.kind, expr: shapeOf(e.expr, dropParens) };
  }
}

export function formulaShape(f: Pick<Formula, 'lhs' | 'rhs'>, dropParens = false): unknown {
  return { lhs: f.lhs === null ? null : shapeOf(f.lhs, dropParens), rhs: shapeOf(f.rhs, dropParens) };
}

/** One edit of a text: insert, delete, replace, duplicate or swap. */
export type Mutation =
  | { readonly op: 'insert'; readonly at: number; readonly text: string }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'replace'; readonly at: number; readonly text: string }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly op: 'swap'; readonly at: number; readonly other: number };

/** Positions are fractions of the length, so one mutation list fits texts of any length. */
export function mutationArb(insertions: fc.Arbitrary<string>): fc.Arbitrary<Mutation> {
  const at = fc.integer({ min: 0, max: 1_000_000 });
  return fc.oneof(
    fc.record({ op: fc.constant('insert' as const), at, text: insertions }),
    fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ op: fc.constant('replace' as const), at, text: insertions }),
    fc.record({ op: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ op: fc.constant('swap' as const), at, other: fc.integer({ min: 0, max: 1_000_000 }) }),
  );
}

export function mutate(text: string, mutations: readonly Mutation[]): string {
  let s = text;
  for (const m of mutations) {
    const n = s.length;
    const at = n === 0 ? 0 : m.at % (n + 1);
    switch (m.op) {
      case 'insert':
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      case 'delete':
        s = s.slice(0, at) + s.slice(at + m.length);
        break;
      case 'replace':
        s = s.slice(0, at) + m.text + s.slice(at + m.text.length);
        break;
      case 'duplicate':
        s = s.slice(0, at + m.length) + s.slice(at, at + m.length) + s.slice(at + m.length);
        break;
      case 'swap': {
        if (n < 2) break;
        const i = Math.min(at, n - 1);
        const j = m.other % n;
        const chars = [...s];
        if (i < chars.length && j < chars.length) [chars[i], chars[j]] = [chars[j], chars[i]];
        s = chars.join('');
        break;
      }
    }
  }
  return s;
}

/** Byte-level version of `mutate`, for files. */
export function mutateBytes(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  const latin = Buffer.from(bytes).toString('latin1');
  const asLatin = mutations.map((m) => ('text' in m ? { ...m, text: Buffer.from(m.text, 'utf8').toString('latin1') } : m));
  return Uint8Array.from(Buffer.from(mutate(latin, asLatin), 'latin1'));
}
