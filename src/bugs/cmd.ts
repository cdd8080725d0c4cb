/**
 * The JAGS command script (run.cmd), one command per line, as JAGS 4.3.1's terminal reads it:
 *
 *   model in "model.jags"              data in "data.R"
 *   compile, nchains(2)                parameters in "inits1.R", chain(1)   (also `inits in`)
 *   initialize                         adapt 500        update 1000[, by(100)]
 *   monitor [set] b[1:3, 2][, thin(5)][, type(trace)]
 *   coda *[, stem("CODA")]             coda b, stem(out)
 *   load glm   unload glm   exit       # comments
 *
 * File names may be quoted or bare. Commands the bundled engine does not run (`data to`,
 * `samplers to`, `cd`, …) are refused with the line and column.
 */
import { Lmer2JagsError } from '../errors.js';

export interface CmdLoc {
  readonly line: number;
  readonly column: number;
}

/** A part of a monitored array: 1-based inclusive ranges per dimension. */
export type MonitorRange = readonly { readonly lo: number; readonly hi: number }[];

export type Command =
  | { readonly kind: 'model'; readonly file: string; readonly fileLoc: CmdLoc; readonly loc: CmdLoc }
  | { readonly kind: 'data'; readonly file: string; readonly fileLoc: CmdLoc; readonly loc: CmdLoc }
  | { readonly kind: 'compile'; readonly nchains: number; readonly loc: CmdLoc }
  | { readonly kind: 'inits'; readonly file: string; readonly fileLoc: CmdLoc; readonly chain: number; readonly loc: CmdLoc }
  | { readonly kind: 'initialize'; readonly loc: CmdLoc }
  | { readonly kind: 'update'; readonly n: number; readonly adapt: boolean; readonly loc: CmdLoc }
  | { readonly kind: 'monitor'; readonly name: string; readonly range: MonitorRange | null; readonly thin: number; readonly loc: CmdLoc }
  | { readonly kind: 'coda'; readonly name: string; readonly stem: string; readonly loc: CmdLoc }
  | { readonly kind: 'load'; readonly module: string; readonly unload: boolean; readonly loc: CmdLoc }
  | { readonly kind: 'exit'; readonly loc: CmdLoc };

type TokKind = 'word' | 'string' | 'punct';

interface Token {
  readonly kind: TokKind;
  readonly text: string;
  readonly column: number;
}

/** Modules JAGS 4.3.1 ships; loading them changes nothing for the bundled engine. */
export const KNOWN_MODULES: ReadonlySet<string> = new Set(['basemod', 'bugs', 'glm', 'dic', 'lecuyer', 'mix', 'msm']);

class LineParser {
  private pos = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly path: string,
    private readonly lineText: string,
    private readonly line: number,
  ) {}

  error(message: string, column: number, hint?: string): Lmer2JagsError {
    return new Lmer2JagsError(message, {
      location: { kind: 'file', path: this.path, line: this.line, column, lineText: this.lineText },
      hint: hint ?? (EXAMPLES[this.tokens[0]?.text ?? ''] !== undefined ? `the command reads, e.g.: ${EXAMPLES[this.tokens[0].text]}` : COMMAND_HINT),
    });
  }

  get done(): boolean {
    return this.pos >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  /** Column just after the last token (for "missing …" messages). */
  endColumn(): number {
    const last = this.tokens[this.tokens.length - 1];
    return last ? last.column + last.text.length + (last.kind === 'string' ? 2 : 0) : 1;
  }

  next(what: string): Token {
    const t = this.tokens[this.pos];
    if (!t) throw this.error(`${what} is missing`, this.endColumn(), `complete the command, e.g. ${EXAMPLES[this.tokens[0]?.text ?? ''] ?? COMMAND_EXAMPLES}`);
    this.pos++;
    return t;
  }

  word(what: string): Token {
    const t = this.next(what);
    if (t.kind !== 'word') throw this.error(`expected ${what}, found '${t.text}'`, t.column);
    return t;
  }

  keyword(kw: string): void {
    const t = this.next(`'${kw}'`);
    if (t.kind !== 'word' || t.text !== kw) throw this.error(`expected '${kw}', found '${t.text}'`, t.column);
  }

  punct(p: string): void {
    const t = this.next(`'${p}'`);
    if (t.kind !== 'punct' || t.text !== p) throw this.error(`expected '${p}', found '${t.text}'`, t.column);
  }

  isPunct(p: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }

  file(what: string): { file: string; fileLoc: CmdLoc } {
    const t = this.next(what);
    if (t.kind === 'punct') throw this.error(`expected ${what}, found '${t.text}'`, t.column, 'write the file name in quotes, e.g. "model.jags"');
    return { file: t.text, fileLoc: { line: this.line, column: t.column } };
  }

  integer(what: string, min: number): number {
    const t = this.next(what);
    const n = Number(t.text);
    if (t.kind !== 'word' || !/^\d+$/.test(t.text) || !Number.isSafeInteger(n) || n < min) {
      throw this.error(`${what} must be a whole number of at least ${min}, found '${t.text}'`, t.column, `write a number of at least ${min} without sign or decimals, e.g. ${EXAMPLES[this.tokens[0]?.text ?? ''] ?? 'update 1000'}`);
    }
    return n;
  }

  /** `, name(value)` options after a command; returns them by name. */
  options(allowed: readonly string[]): Map<string, { token: Token; value: Token }> {
    const out = new Map<string, { token: Token; value: Token }>();
    while (!this.done) {
      this.punct(',');
      const name = this.word('an option such as thin(2)');
      if (!allowed.includes(name.text)) {
        throw this.error(
          `unknown option '${name.text}'`,
          name.column,
          allowed.length > 0 ? `this command takes ${allowed.map((a) => `${a}(…)`).join(', ')}` : 'this command takes no options',
        );
      }
      if (out.has(name.text)) throw this.error(`option '${name.text}' is given twice`, name.column);
      this.punct('(');
      const value = this.next(`the value of ${name.text}`);
      this.punct(')');
      out.set(name.text, { token: name, value });
    }
    return out;
  }

  end(): void {
    const t = this.peek();
    if (t) throw this.error(`unexpected '${t.text}' at the end of the command`, t.column);
  }

  optInt(opts: Map<string, { token: Token; value: Token }>, name: string, dflt: number, min: number): number {
    const o = opts.get(name);
    if (!o) return dflt;
    const n = Number(o.value.text);
    if (o.value.kind !== 'word' || !/^\d+$/.test(o.value.text) || n < min || !Number.isSafeInteger(n)) {
      throw this.error(`${name}(…) needs a whole number of at least ${min}, found '${o.value.text}'`, o.value.column, `e.g. ${name}(${Math.max(min, 2)})`);
    }
    return n;
  }
}

function tokenize(lineText: string, path: string, line: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const err = (message: string, col: number, hint?: string) =>
    new Lmer2JagsError(message, {
      location: { kind: 'file', path, line, column: col, lineText },
      ...(hint !== undefined ? { hint } : {}),
    });
  while (i < lineText.length) {
    const c = lineText[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      break;
    } else if (c === '"' || c === "'") {
      const close = lineText.indexOf(c, i + 1);
      if (close < 0) throw err('unterminated string', i + 1, `add the closing ${c}`);
      tokens.push({ kind: 'string', text: lineText.slice(i + 1, close), column: i + 1 });
      i = close + 1;
    } else if ('(),*[]:'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, column: i + 1 });
      i++;
    } else {
      const start = i;
      while (i < lineText.length && !/[\s(),*[\]:"'#]/.test(lineText[i])) i++;
      if (i === start) throw err(`unexpected character '${c}'`, i + 1);
      tokens.push({ kind: 'word', text: lineText.slice(start, i), column: start + 1 });
    }
  }
  return tokens;
}

/** What each command looks like, for hints. */
const EXAMPLES: Readonly<Record<string, string>> = {
  model: 'model in "model.jags"',
  data: 'data in "data.R"',
  compile: 'compile, nchains(4)',
  parameters: 'parameters in "inits1.R", chain(1)',
  inits: 'inits in "inits1.R", chain(1)',
  update: 'update 1000',
  adapt: 'adapt 1000',
  monitor: 'monitor b, thin(2)',
  coda: 'coda *, stem(CODA)',
  load: 'load glm',
};
const COMMAND_EXAMPLES = Object.values(EXAMPLES).slice(0, 6).join(' | ');
const COMMAND_HINT = `each line of the script is one JAGS command, e.g. ${Object.values(EXAMPLES).join(' | ')}`;

const UNSUPPORTED: Readonly<Record<string, string>> = {
  samplers: 'the bundled engine does not list samplers',
  cd: 'run the command from the folder that holds the files',
  pwd: 'run the command from the folder that holds the files',
  run: 'put all commands in one script',
  list: 'the bundled engine has no module or factory listing',
  set: 'sampler factories are chosen by the bundled engine itself',
  clear: 'start a new script instead',
  dir: 'run the command from the folder that holds the files',
};

/** Parses a command script; `path` is used in error messages. */
export function parseCommands(text: string, path: string): Command[] {
  const lines = text.split('\n');
  const out: Command[] = [];
  for (let l = 0; l < lines.length; l++) {
    const lineText = lines[l].replace(/\r$/, '');
    const line = l + 1;
    const tokens = tokenize(lineText, path, line);
    if (tokens.length === 0) continue;
    const p = new LineParser(tokens, path, lineText, line);
    const head = p.next('a command');
    const loc: CmdLoc = { line, column: head.column };
    if (head.kind !== 'word') throw p.error(`expected a command, found '${head.text}'`, head.column);
    switch (head.text) {
      case 'model': {
        const t = p.word("'in'");
        if (t.text === 'clear') throw p.error("'model clear' is not supported by the bundled engine", t.column, UNSUPPORTED.clear);
        if (t.text !== 'in') throw p.error(`expected 'in' after 'model', found '${t.text}'`, t.column);
        out.push({ kind: 'model', ...p.file('the model file name'), loc });
        p.end();
        break;
      }
      case 'data': {
        const t = p.word("'in'");
        if (t.text === 'to') throw p.error("'data to' is not supported by the bundled engine", head.column, 'run real JAGS (--engine jags) to dump data');
        if (t.text === 'clear') throw p.error("'data clear' is not supported by the bundled engine", t.column, UNSUPPORTED.clear);
        if (t.text !== 'in') throw p.error(`expected 'in' after 'data', found '${t.text}'`, t.column);
        out.push({ kind: 'data', ...p.file('the data file name'), loc });
        p.end();
        break;
      }
      case 'compile': {
        const opts = p.options(['nchains']);
        out.push({ kind: 'compile', nchains: p.optInt(opts, 'nchains', 1, 1), loc });
        break;
      }
      case 'parameters':
      case 'inits': {
        const t = p.word("'in'");
        if (t.text === 'to') throw p.error(`'${head.text} to' is not supported by the bundled engine`, head.column, 'run real JAGS (--engine jags) to dump parameter values');
        if (t.text !== 'in') throw p.error(`expected 'in' after '${head.text}', found '${t.text}'`, t.column);
        const file = p.file('the initial values file name');
        const opts = p.options(['chain']);
        out.push({ kind: 'inits', ...file, chain: p.optInt(opts, 'chain', 1, 1), loc });
        break;
      }
      case 'initialize':
      case 'initialise':
        p.end();
        out.push({ kind: 'initialize', loc });
        break;
      case 'update':
      case 'adapt': {
        const n = p.integer(`the number of iterations to ${head.text}`, 0);
        const opts = p.options(['by']);
        p.optInt(opts, 'by', 1, 1);
        out.push({ kind: 'update', n, adapt: head.text === 'adapt', loc });
        break;
      }
      case 'monitor': {
        let t = p.next('the name of the node to monitor');
        if (t.kind === 'word' && t.text === 'set') t = p.next('the name of the node to monitor');
        if (t.kind === 'word' && t.text === 'clear') throw p.error("'monitor clear' is not supported by the bundled engine", t.column, UNSUPPORTED.clear);
        if (t.kind !== 'word') throw p.error(`expected the name of the node to monitor, found '${t.text}'`, t.column);
        const range = p.isPunct('[') ? parseRange(p) : null;
        const opts = p.options(['thin', 'type']);
        const type = opts.get('type');
        if (type && type.value.text !== 'trace') {
          throw p.error(`monitor type '${type.value.text}' is not supported by the bundled engine`, type.value.column, 'use the default trace monitor');
        }
        out.push({ kind: 'monitor', name: t.text, range, thin: p.optInt(opts, 'thin', 1, 1), loc });
        break;
      }
      case 'coda': {
        const t = p.next("'*' or a node name");
        if (t.kind === 'string' || (t.kind === 'punct' && t.text !== '*')) throw p.error(`expected '*' or a node name, found '${t.text}'`, t.column);
        if (p.isPunct('[')) throw p.error('the bundled engine writes whole monitored nodes to CODA files', p.peek()!.column, 'write coda name (or coda *) without indices');
        const opts = p.options(['stem']);
        const stem = opts.get('stem');
        out.push({ kind: 'coda', name: t.text, stem: stem ? stem.value.text : 'CODA', loc });
        break;
      }
      case 'load':
      case 'unload': {
        const m = p.word('the module name');
        if (!KNOWN_MODULES.has(m.text)) {
          throw p.error(`unknown module '${m.text}'`, m.column, `JAGS 4.3.1 modules are ${[...KNOWN_MODULES].join(', ')}`);
        }
        p.end();
        out.push({ kind: 'load', module: m.text, unload: head.text === 'unload', loc });
        break;
      }
      case 'exit':
      case 'quit':
        p.end();
        out.push({ kind: 'exit', loc });
        return out;
      default: {
        const why = UNSUPPORTED[head.text];
        throw p.error(
          why ? `the command '${head.text}' is not supported by the bundled engine` : `unknown command '${head.text}'`,
          head.column,
          why ?? 'commands are: model in, data in, compile, parameters in, initialize, adapt, update, monitor, coda, load, exit',
        );
      }
    }
  }
  return out;
}

function parseRange(p: LineParser): MonitorRange {
  p.punct('[');
  const out: { lo: number; hi: number }[] = [];
  for (;;) {
    const lo = p.integer('an index', 1);
    let hi = lo;
    if (p.isPunct(':')) {
      p.punct(':');
      hi = p.integer('an index', lo);
    }
    out.push({ lo, hi });
    if (p.isPunct(']')) break;
    p.punct(',');
  }
  p.punct(']');
  return out;
}

/**
 * The stem of the CODA files a command script writes for all its monitors: that of its first
 * `coda *` command (else its first `coda` command), `CODA` by default. Tolerant: it reads only
 * the coda lines, so it also serves scripts written for real JAGS that the bundled engine
 * would refuse.
 */
export function codaStem(text: string): string {
  let first: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^coda\s+(\*|[A-Za-z.][\w.]*)\s*(?:,\s*stem\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\))?/.exec(line);
    if (!m) continue;
    const stem = m[2] ?? m[3] ?? m[4] ?? 'CODA';
    if (m[1] === '*') return stem;
    first ??= stem;
  }
  return first ?? 'CODA';
}
