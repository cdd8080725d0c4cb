/** What every command shares: output options and the error → exit code policy. */
import { ExitCode, InternalError, Lmer2JagsError } from '../errors.js';
import { Output } from './output.js';

export interface CommonArgs {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/**
 * Run a command body: a Lmer2JagsError becomes its message on stderr and exit 2 (or its own
 * code); anything else is our bug: exit 3 with a short message (the stack only with --debug).
 */
export async function withOutput(args: CommonArgs, body: (out: Output) => Promise<number>): Promise<number> {
  const out = new Output({ quiet: Boolean(args.quiet), json: Boolean(args.json) });
  try {
    return await body(out);
  } catch (e) {
    return reportError(out, e, Boolean(args.debug));
  }
}

export function reportError(out: Output, e: unknown, debug: boolean): number {
  if (e instanceof Lmer2JagsError) {
    out.error(e.format());
    if (debug && e.stack) out.error(e.stack);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const what = err instanceof InternalError ? err.message : `${err.name}: ${err.message}`;
  out.error(`error: internal error in lmer2jags: ${what}`);
  if (debug) out.error(err.stack ?? '');
  else out.error('hint: this is a bug in lmer2jags; run again with --debug for details and report it');
  return ExitCode.internal;
}
