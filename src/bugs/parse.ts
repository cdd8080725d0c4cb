/**
 * Parse a BUGS model file (grammar.peggy) into its syntax tree, turning peggy's syntax errors
 * into Lmer2JagsError with the file, line and column and a hint on what to do.
 */
import { Lmer2JagsError } from '../errors.js';
import type { Loc, ModelFile } from './ast.js';
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

/** The text of the 1-based line `line` of `text`. */
export function lineOf(text: string, line: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return '';
    start = nl + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  return text.slice(start, end).replace(/\r$/, '');
}

/** A Lmer2JagsError located at `loc` of the model file. */
export function modelError(message: string, path: string, text: string, loc: Loc, hint?: string): Lmer2JagsError {
  return new Lmer2JagsError(message, {
    location: { kind: 'file', path, line: loc.line, column: loc.column, lineText: lineOf(text, loc.line) },
    ...(hint !== undefined ? { hint } : {}),
  });
}

/** Parses the text of a model file; `path` is used in error messages. */
export function parseModel(text: string, path: string): ModelFile {
  try {
    return peggyParse(text, { grammarSource: path }) as ModelFile;
  } catch (e) {
    if (isPeggyError(e)) throw syntaxError(text, path, e);
    throw e;
  }
}

function describe(found: string | null): string {
  if (found === null) return 'end of file';
  if (found === '\n' || found === '\r') return 'end of line';
  if (/\s/.test(found)) return 'white space';
  return `'${found}'`;
}

function syntaxError(text: string, path: string, e: PeggySyntaxError): Lmer2JagsError {
  const { line, column, offset } = e.location.start;
  const at: Loc = { start: offset, end: offset + 1, line, column };
  const found = e.found;
  const before = text.slice(0, offset);
  const opens = (before.match(/\{/g) ?? []).length - (before.match(/\}/g) ?? []).length;

  if (!/\bmodel\s*\{/.test(text)) {
    return modelError('the file has no model block', path, text, at, 'a BUGS model file reads: model { relations }');
  }
  if (found === null && opens > 0) {
    return modelError('unexpected end of file: a { is not closed', path, text, at, 'add the missing }');
  }
  if (found === '}' && opens <= 0) {
    return modelError("unexpected '}': it closes nothing", path, text, at, 'remove it, or add the matching { before it');
  }
  const expected = new Set<string>();
  for (const x of e.expected ?? []) {
    if (x.type === 'literal' && x.text !== undefined) expected.add(`'${x.text}'`);
    else if (x.type === 'other' && x.description && x.description !== 'white space') expected.add(x.description);
  }
  if (found === '~' || (found === '<' && text.startsWith('<-', offset))) {
    return modelError(
      `unexpected ${describe(found)}: the left-hand side of a relation must be a variable, e.g. y[i] or mu`,
      path,
      text,
      at,
      'a relation reads  name[indices] ~ distribution(args)  or  name[indices] <- expression',
    );
  }
  if (found !== null && /[A-Za-z.]/.test(found) && expected.has("'~'")) {
    return modelError(
      `unexpected ${describe(found)}: a relation needs ~ or <- after its left-hand side`,
      path,
      text,
      at,
      'write  name ~ distribution(args)  for a stochastic node or  name <- expression  for a deterministic one',
    );
  }
  const list = [...expected].slice(0, 8);
  return modelError(
    `unexpected ${describe(found)}`,
    path,
    text,
    at,
    list.length > 0 ? `expected ${list.join(', ')} here` : 'check the model syntax near the caret',
  );
}
