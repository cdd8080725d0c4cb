/**
 * The bundled engine's progress bar: one line on a terminal's stderr, redrawn in place at most
 * ten times a second, cleared when sampling ends. Nothing at all is written when the stream is
 * not a terminal or the bar is disabled (--quiet), so logs and pipes stay clean.
 *
 *   sampling [==========>             ]  42%  8400/20000  3.1 s  ETA 4.3 s
 *
 * (chain iterations done / in all, seconds so far, estimated seconds left).
 */

/** What the bar writes to (process.stderr, or a stand-in in tests). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressReporter {
  /** Chain iterations done so far and in all. */
  update(done: number, total: number): void;
  /** Clears the line (when anything was drawn). */
  stop(): void;
}

export interface ProgressOptions {
  /** Draw at all (false with --quiet); the stream must also be a terminal. */
  readonly enabled: boolean;
  readonly label?: string;
  /** Milliseconds between redraws (default 100). */
  readonly interval?: number;
  /** Clock in milliseconds (tests). */
  readonly now?: () => number;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

/** One line of the bar for a terminal `columns` wide. */
export function renderProgress(label: string, done: number, total: number, elapsedMs: number, columns: number): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const pct = `${Math.floor(fraction * 100)}`.padStart(3);
  let tail = `${pct}%  ${done}/${total}  ${seconds(elapsedMs)}`;
  if (fraction > 0 && fraction < 1 && elapsedMs > 500) tail += `  ETA ${seconds((elapsedMs * (1 - fraction)) / fraction)}`;
  // The bar keeps its width while the numbers after it grow: room for the longest tail.
  const longest = `100%  ${total}/${total}  ${seconds(Math.max(elapsedMs, 99_900))}  ETA ${seconds(99_900)}`.length;
  const room = columns - label.length - Math.max(tail.length, longest) - 5;
  const width = Math.max(0, Math.min(40, room));
  if (width < 5) return `${label} ${tail}`.slice(0, Math.max(0, columns - 1));
  const filled = Math.round(fraction * width);
  const bar = fraction >= 1 ? '='.repeat(width) : `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(width - filled)}`;
  return `${label} [${bar}] ${tail}`;
}

/** A progress bar on `stream`, silent unless enabled and the stream is a terminal. */
export function progressReporter(stream: ProgressStream, options: ProgressOptions): ProgressReporter {
  if (!options.enabled || !stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const now = options.now ?? (() => Date.now());
  const interval = options.interval ?? 100;
  const label = options.label ?? 'sampling';
  const started = now();
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, total) {
      const t = now();
      if (t - last < interval && done < total) return;
      last = t;
      drawn = true;
      stream.write(`\r\x1b[K${renderProgress(label, done, total, t - started, stream.columns || 80)}`);
    },
    stop() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
