/**
 * `npm run bench [-- SUITE… [--options]]`: the side-by-side benchmarks, one module per suite
 * (bench/<name>.ts exporting `main(argv)`), run in this order: csv-load, lmer, sampler. Name
 * suites to run only those (`npm run bench -- lmer`); options after the names go to every suite
 * run (`npm run bench -- lmer --reps 3`). A suite whose module is not in this build is skipped
 * with a note. A suite that misses its target sets the exit code to 1.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SUITES = ['csv-load', 'lmer', 'sampler'] as const;

interface Suite {
  main(argv: string[]): Promise<void>;
}

/** Suite names first, then the options passed on to every suite. */
export function parseArgs(argv: readonly string[]): { suites: string[]; rest: string[] } {
  const firstOption = argv.findIndex((a) => a.startsWith('-'));
  const names = firstOption < 0 ? [...argv] : argv.slice(0, firstOption);
  const rest = firstOption < 0 ? [] : argv.slice(firstOption);
  const unknown = names.filter((n) => !(SUITES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark suite${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: the suites are ${SUITES.join(', ')}`);
  }
  return { suites: names.length > 0 ? SUITES.filter((s) => names.includes(s)) : [...SUITES], rest };
}

/** The suite's module, or null when bench/<name>.ts is not part of this build. */
async function load(name: string): Promise<Suite | null> {
  const url = new URL(`./${name}.js`, import.meta.url);
  try {
    const mod = (await import(url.href)) as Partial<Suite>;
    if (typeof mod.main !== 'function') throw new Error(`bench/${name}.ts does not export main(argv)`);
    return mod as Suite;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { url?: string };
    if (err.code === 'ERR_MODULE_NOT_FOUND' && (err.url === url.href || String(err.message).includes(fileURLToPath(url)))) return null;
    throw e;
  }
}

export async function main(argv: string[]): Promise<void> {
  const { suites, rest } = parseArgs(argv);
  for (const name of suites) {
    const suite = await load(name);
    console.log(`\n== ${name}`);
    if (!suite) {
      console.log(`skipped: bench/${name}.ts is not in this build`);
      continue;
    }
    await suite.main(rest);
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
  });
}
