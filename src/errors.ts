/**
 * One error class for everything a user can get wrong (formula, data, files, options),
 * and an `assert` for our own invariants. A user error carries where it happened and a
 * hint on what to do; `format()` renders it with a code frame and a caret.
 */

/** A half-open character range [start, end) in some source text (0-based offsets). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Where a user error happened. */
export type ErrorLocation =
  | {
      /** A span of a formula (or any one-line text typed on the command line). */
      readonly kind: 'text';
      /** What the text is, e.g. "formula". */
      readonly label: string;
      readonly text: string;
      readonly span: Span;
    }
  | {
      /** A position in a file: line and column are 1-based; both optional. */
      readonly kind: 'file';
      readonly path: string;
      readonly line?: number;
      readonly column?: number;
      /** The file's text (or at least the offending line), for a code frame. */
      readonly lineText?: string;
    };

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  discrepancies: 1,
  badInput: 2,
  internal: 3,
} as const;

export class Lmer2JagsError extends Error {
  override readonly name = 'Lmer2JagsError';
  readonly location: ErrorLocation | undefined;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(
    message: string,
    options: { location?: ErrorLocation; hint?: string; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.location = options.location;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.badInput;
  }

  /** The message as a person should see it: what, where (with a caret), what to do. */
  format(): string {
    const lines = [`error: ${this.message}`];
    const loc = this.location;
    if (loc?.kind === 'text') {
      lines.push(...codeFrame(loc.text, loc.span, loc.label));
    } else if (loc?.kind === 'file') {
      const where = [loc.path, loc.line, loc.column].filter((x) => x !== undefined).join(':');
      lines.push(`  --> ${where}`);
      if (loc.lineText !== undefined && loc.line !== undefined) {
        const gutter = String(loc.line);
        lines.push(`${' '.repeat(gutter.length)} |`);
        lines.push(`${gutter} | ${visible(loc.lineText)}`);
        if (loc.column !== undefined) {
          lines.push(`${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, loc.column - 1))}^`);
        }
      }
    }
    if (this.hint) lines.push(`hint: ${this.hint}`);
    return lines.join('\n');
  }
}

/** Tabs and control characters would misplace the caret: show them as single spaces / '?'. */
function visible(s: string): string {
  return s.replace(/\t/g, ' ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
}

/**
 * A code frame for a one-line (or multi-line) text: the line holding span.start, and carets
 * under the span (at least one caret; clipped to the line).
 */
export function codeFrame(text: string, span: Span, label = 'formula'): string[] {
  const start = Math.max(0, Math.min(span.start, text.length));
  // (lastIndexOf clamps a negative fromIndex to 0, which would find a newline at offset 0)
  const lineStart = start === 0 ? 0 : text.lastIndexOf('\n', start - 1) + 1;
  let lineEnd = text.indexOf('\n', start);
  if (lineEnd < 0) lineEnd = text.length;
  const lineNo = text.slice(0, lineStart).split('\n').length;
  const col = start - lineStart;
  const end = Math.max(start + 1, Math.min(span.end, lineEnd));
  const width = Math.max(1, end - start);
  const multi = text.includes('\n');
  const prefix = multi ? `${lineNo} | ` : '  ';
  const pad = multi ? `${' '.repeat(String(lineNo).length)} | ` : '  ';
  return [
    `  in ${label}${multi ? ` (line ${lineNo}, column ${col + 1})` : ` at column ${col + 1}`}:`,
    `${prefix}${visible(text.slice(lineStart, lineEnd))}`,
    `${pad}${' '.repeat(col)}${'^'.repeat(width)}`,
  ];
}

/** An internal invariant failed: a bug in lmer2jags, not the user's fault. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InternalError(`internal invariant failed: ${message}`);
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n];
}

/** Up to `max` candidates close to `name` (case-insensitive edit distance or prefix). */
export function nearNames(name: string, candidates: readonly string[], max = 3): string[] {
  const lower = name.toLowerCase();
  return candidates
    .map((c) => {
      const cl = c.toLowerCase();
      let d = editDistance(lower, cl);
      if (cl.startsWith(lower) || lower.startsWith(cl)) d = Math.min(d, 1);
      return { c, d };
    })
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(Math.max(c.length, name.length) / 3)))
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, max)
    .map(({ c }) => c);
}
