/**
 * Where things go: results on stdout, messages on stderr. Colour only on a terminal and never
 * with NO_COLOR; `--quiet` silences messages (not results or errors).
 */
export interface OutputOptions {
  readonly quiet?: boolean;
  readonly json?: boolean;
}

export class Output {
  readonly color: boolean;

  constructor(
    readonly options: OutputOptions = {},
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  ) {
    this.color = Boolean(this.err.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  }

  /** A result (stdout). */
  result(text: string): void {
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A machine-readable result: exactly one JSON object on stdout. */
  json(value: unknown): void {
    this.out.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A message for a person (stderr), silenced by --quiet. */
  info(text: string): void {
    if (!this.options.quiet) this.err.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  warn(text: string): void {
    this.err.write(`${this.paint('warning:', '33')} ${text}\n`);
  }

  error(text: string): void {
    const [first, ...rest] = text.split('\n');
    const head = first.startsWith('error:') ? `${this.paint('error:', '31;1')}${first.slice(6)}` : first;
    this.err.write([head, ...rest.map((l) => (/^\s*\^+$/.test(l) || /\|\s*\^+$/.test(l) ? this.paint(l, '31') : l))].join('\n') + '\n');
  }

  paint(text: string, code: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}

/** Pad a table of strings into aligned columns (numbers right-aligned). */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, j) => (widths[j] = Math.max(widths[j] ?? 0, c.length)));
  const numeric = /^[-+]?(\d|\.\d)[\d.eE+-]*%?$/;
  return rows
    .map((r) => indent + r.map((c, j) => (numeric.test(c) && j > 0 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd())
    .join('\n');
}
