/**
 * Where things go: results on stdout, messages on stderr. Colour only on a terminal, never
 * with NO_COLOR set to anything non-empty (no-color.org) or TERM=dumb; `--quiet` silences
 * messages (not results, warnings or errors).
 */

/** Whether messages to `stream` may use ANSI colours. */
export function colorAllowed(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

let pipeGuard = false;

/**
 * A reader that stops early (`lmer2jags simulate | head`) closes stdout: stop quietly with
 * exit code 0 instead of dying on EPIPE with a stack trace. Installed once per process.
 */
export function exitQuietlyOnClosedStdout(): void {
  if (pipeGuard) return;
  pipeGuard = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`error: cannot write to stdout: ${e.message}\n`);
    process.exit(3);
  });
}

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
    this.color = colorAllowed(this.err);
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
