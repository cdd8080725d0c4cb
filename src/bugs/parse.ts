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

/** The innermost ( or [ still open at `offset` (comments skipped), or null. */
function unclosedBracket(text: string, offset: number): { char: string; line: number; column: number } | null {
  const stack: { char: string; at: number }[] = [];
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      while (i < offset && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? offset : end + 1;
    } else if (c === '(' || c === '[' || c === '{') stack.push({ char: c, at: i });
    else if (c === ')' || c === ']' || c === '}') {
      const want = c === ')' ? '(' : c === ']' ? '[' : '{';
      // Pop to the matching opener (a missing closer inside is reported for the inner one).
      while (stack.length > 0 && stack[stack.length - 1].char !== want) stack.pop();
      stack.pop();
    }
  }
  const top = stack[stack.length - 1];
  if (!top) return null;
  const before = text.slice(0, top.at);
  const line = before.split('\n').length;
  return { char: top.char, line, column: top.at - before.lastIndexOf('\n') };
}

function describe(found: string | null, text?: string, offset?: number): string {
  if (found === null) return 'end of file';
  if (text !== undefined && offset !== undefined && /[A-Za-z.]/.test(found)) {
    const word = /^[A-Za-z.][A-Za-z0-9._]*/.exec(text.slice(offset));
    if (word) return `'${word[0]}'`;
  }
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

  const open = unclosedBracket(text, offset);
  if (open && open.char === '{' && found === null) {
    return modelError('unexpected end of file: a { is not closed', path, text, at, `the '{' at line ${open.line}, column ${open.column} is not closed: add '}'`);
  }
  const mismatched = open !== null && open.char !== '{' && (found === ')' || found === ']') && found !== (open.char === '(' ? ')' : ']');
  if (open && open.char !== '{' && (mismatched || open.line < line || found === null || found === '}' || found === ';')) {
    const close = open.char === '(' ? ')' : ']';
    return modelError(
      `unexpected ${describe(found, text, offset)}: ${open.char === '(' ? 'a parenthesis' : 'a bracket'} is not closed`,
      path,
      text,
      at,
      `the '${open.char}' at line ${open.line}, column ${open.column} is not closed: add '${close}'`,
    );
  }
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
      `unexpected ${describe(found, text, offset)}: the left-hand side of a relation must be a variable, e.g. y[i] or mu`,
      path,
      text,
      at,
      'a relation reads  name[indices] ~ distribution(args)  or  name[indices] <- expression',
    );
  }
  if (found !== null && /[A-Za-z.]/.test(found) && expected.has("'~'")) {
    return modelError(
      `unexpected ${describe(found, text, offset)}: a relation needs ~ or <- after its left-hand side`,
      path,
      text,
      at,
      'write  name ~ distribution(args)  for a stochastic node or  name <- expression  for a deterministic one',
    );
  }
  const list = [...expected].slice(0, 8);
  return modelError(
    `unexpected ${describe(found, text, offset)}`,
    path,
    text,
    at,
    list.length > 0 ? `expected ${list.join(', ')} here` : 'check the model syntax near the caret',
  );
}
