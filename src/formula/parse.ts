/**
 * Parse formula text into the AST (grammar.peggy), turning peggy's syntax errors into
 * Lmer2JagsError with a caret under the exact spot and a hint on what to do.
 */
import { Lmer2JagsError, type Span } from '../errors.js';
import type { Expr, Formula } from './ast.js';
import { parse as peggyParse } from './grammar.generated.js';

interface PeggyLocation {
  start: { offset: number; line: number; column: number };
  end: { offset: number; line: number; column: number };
}

interface PeggySyntaxError extends Error {
  location: PeggyLocation;
  found: string | null;
  expected: readonly { type: string; text?: string; description?: string }[] | null;
}

function isPeggyError(e: unknown): e is PeggySyntaxError {
  return e instanceof Error && 'location' in e && 'expected' in e;
}

export function parseFormula(text: string): Formula {
  if (text.trim() === '') {
    throw new Lmer2JagsError('the formula is empty', {
      location: { kind: 'text', label: 'formula', text, span: { start: 0, end: 0 } },
      hint: 'write it as response ~ terms, e.g. "y ~ x + (1 | g)"',
    });
  }
  let formula: Formula;
  try {
    formula = peggyParse(text, {}) as Formula;
  } catch (e) {
    if (isPeggyError(e)) throw syntaxError(text, e);
    // The recursive-descent parser ran out of stack: thousands of nested parentheses.
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw tooDeep(text, deepestBracket(text));
    throw e;
  }
  checkDepth(formula);
  return formula;
}

/**
 * How deep a formula's expression tree may be. Everything after the parser (term algebra,
 * model frame, deparse) walks the tree recursively, so a bound here keeps them all within the
 * stack. Real formulas are a few dozen levels deep; a sum of N terms is N levels.
 */
export const MAX_FORMULA_DEPTH = 256;

function tooDeep(text: string, at: number): Lmer2JagsError {
  return new Lmer2JagsError(`the formula is nested too deeply (more than ${MAX_FORMULA_DEPTH} levels of parentheses, calls and operators)`, {
    location: { kind: 'text', label: 'formula', text, span: { start: at, end: at + 1 } },
    hint: `a sum of N terms counts N levels: write fewer terms or fewer nested parentheses; compute complicated variables in the data file`,
  });
}

/** Offset of the '(' where bracket nesting is deepest (0 if there are none). */
function deepestBracket(text: string): number {
  let depth = 0;
  let best = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') {
      depth++;
      if (depth > best) {
        best = depth;
        at = i;
      }
    } else if (text[i] === ')') depth = Math.max(0, depth - 1);
  }
  return at;
}

/** Refuse trees deeper than MAX_FORMULA_DEPTH (walked without recursion). */
function checkDepth(f: Formula): void {
  const stack: { e: Expr; depth: number }[] = [{ e: f.rhs, depth: 1 }];
  if (f.lhs) stack.push({ e: f.lhs, depth: 1 });
  while (stack.length > 0) {
    const { e, depth } = stack.pop() as { e: Expr; depth: number };
    if (depth > MAX_FORMULA_DEPTH) throw tooDeep(f.text, e.span.start);
    switch (e.kind) {
      case 'binary':
        stack.push({ e: e.left, depth: depth + 1 }, { e: e.right, depth: depth + 1 });
        break;
      case 'unary':
        stack.push({ e: e.operand, depth: depth + 1 });
        break;
      case 'paren':
        stack.push({ e: e.expr, depth: depth + 1 });
        break;
      case 'call':
        for (const a of e.args) stack.push({ e: a.value, depth: depth + 1 });
        break;
      default:
        break;
    }
  }
}

/** Brackets that are open at `offset` (ignoring strings and backquoted names). */
function scanBrackets(text: string, upTo: number): { open: number[]; strayClose: number | null } {
  const open: number[] = [];
  let strayClose: number | null = null;
  for (let i = 0; i < upTo && i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      const close = findClosingQuote(text, i);
      if (close < 0) return { open, strayClose };
      i = close;
    } else if (c === '(') {
      open.push(i);
    } else if (c === ')') {
      if (open.length === 0) {
        if (strayClose === null) strayClose = i;
      } else {
        open.pop();
      }
    }
  }
  return { open, strayClose };
}

function findClosingQuote(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === q) return i;
  }
  return -1;
}

function describe(found: string | null): string {
  if (found === null) return 'end of formula';
  if (found === ' ' || found === '\t' || found === '\n') return 'white space';
  return `'${found}'`;
}

const BINARY_OPS = new Set(['+', '-', '*', '/', ':', '^', '|', '~', '=', '&', ',', '%', '<', '>']);

function lastNonSpace(text: string, before: number): { char: string; index: number } | null {
  for (let i = before - 1; i >= 0; i--) {
    if (!/\s/.test(text[i])) return { char: text[i], index: i };
  }
  return null;
}

function syntaxError(text: string, e: PeggySyntaxError): Lmer2JagsError {
  const at = e.location.start.offset;
  const found = e.found;
  const spanAt: Span = { start: at, end: at + (found === null ? 0 : 1) };
  const loc = (span: Span) => ({ kind: 'text' as const, label: 'formula', text, span });
  const tildes = [...text.matchAll(/~/g)].map((m) => m.index ?? 0);

  // Quotes that never close.
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      const close = findClosingQuote(text, i);
      if (close < 0) {
        return new Lmer2JagsError(`unterminated ${c === '`' ? 'backquoted name' : 'string'}`, {
          location: loc({ start: i, end: i + 1 }),
          hint: `add the closing ${c} (opened at column ${i + 1})`,
        });
      }
      i = close;
    }
  }

  if (tildes.length === 0) {
    const eq = text.indexOf('=');
    return new Lmer2JagsError('a formula needs a ~ between the response and the terms', {
      location: loc(eq >= 0 ? { start: eq, end: eq + 1 } : { start: 0, end: text.length }),
      hint: eq >= 0 ? 'write ~ instead of =, e.g. "y ~ x + (1 | g)"' : 'write it as response ~ terms, e.g. "y ~ x + (1 | g)"',
    });
  }
  if (found === '~') {
    return new Lmer2JagsError('a formula has one ~', {
      location: loc(spanAt),
      hint: `there is already a ~ at column ${tildes[0] + 1}; write response ~ terms`,
    });
  }

  const { open, strayClose } = scanBrackets(text, found === null ? text.length : at + 1);
  if (found === ')' && strayClose !== null) {
    return new Lmer2JagsError("unexpected ')': it closes nothing", {
      location: loc({ start: strayClose, end: strayClose + 1 }),
      hint: 'remove it, or add the matching ( before it',
    });
  }
  if (found === null && open.length > 0) {
    const o = open[open.length - 1];
    return new Lmer2JagsError('unexpected end of formula: a parenthesis is not closed', {
      location: loc(spanAt),
      hint: `unclosed parenthesis opened at column ${o + 1}: add ')'`,
    });
  }

  const prev = lastNonSpace(text, at);
  if (prev && BINARY_OPS.has(prev.char) && (found === null || found === ')' || found === ',' || found === '|')) {
    const what = found === null ? 'the formula ends' : `${describe(found)} comes`;
    return new Lmer2JagsError(`${what} right after '${prev.char}': a term is missing`, {
      location: loc(found === null ? { start: prev.index, end: prev.index + 1 } : spanAt),
      hint: `write a term after '${prev.char}', or remove the '${prev.char}'`,
    });
  }
  if (found === ')' && open.length === 0) {
    return new Lmer2JagsError("unexpected ')': it closes nothing", {
      location: loc(spanAt),
      hint: 'remove it, or add the matching ( before it',
    });
  }
  if (found === '=') {
    return new Lmer2JagsError("unexpected '='", {
      location: loc(spanAt),
      hint: 'formulas use ~ between response and terms; "name = value" is only allowed inside a call such as poly(x, degree = 2)',
    });
  }
  if (found === ',') {
    return new Lmer2JagsError("unexpected ','", {
      location: loc(spanAt),
      hint: 'commas separate the arguments of a call like poly(x, 2); join terms with +',
    });
  }
  if (found !== null && prev && /[\w.`)]/.test(prev.char) && /[\w.`(]/.test(found)) {
    return new Lmer2JagsError(`unexpected ${describe(found)}: two terms with no operator between them`, {
      location: loc(spanAt),
      hint: 'join terms with + (or : for an interaction, * for both)',
    });
  }
  if (found === '[' || found === '$' || found === '@' || found === '{' || found === ';') {
    return new Lmer2JagsError(`unexpected ${describe(found)}: R's ${found} is not supported in formulas`, {
      location: loc(spanAt),
      hint: 'use the column name directly; put computed columns in the data file',
    });
  }
  return new Lmer2JagsError(`unexpected ${describe(found)}`, {
    location: loc(spanAt),
    hint: expectedHint(e),
  });
}

function expectedHint(e: PeggySyntaxError): string {
  const wanted = new Set<string>();
  for (const x of e.expected ?? []) {
    if (x.type === 'literal' && x.text !== undefined) wanted.add(`'${x.text}'`);
    else if (x.type === 'other' && x.description && x.description !== 'white space') wanted.add(x.description);
  }
  const list = [...wanted].filter((w) => w !== "'L'").slice(0, 8);
  return list.length > 0 ? `expected ${list.join(', ')} here` : 'check the formula syntax near the caret';
}
