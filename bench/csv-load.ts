/**
 * CSV load speed: a 1,000,000-row, 3-column numeric CSV (about 30 MB) must load through
 * readDataFile in under 3 s. Writes the file to a temporary directory, times readDataFile
 * (median of 3 runs), and for comparison times csv-parse's synchronous parser on the same
 * text (strings only, before any typing). Exits 1 when the median is over the target.
 *
 *   npm run bench:csv            (add --rows N to change the size, --skip-csv-parse to skip it)
 *   npm run bench -- csv-load    (the same, as a suite of bench/run.ts)
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { readDataFile } from '../src/data/read.js';

const TARGET_MS = 3000;

function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Deterministic CSV text: y (9 decimals), x (8 decimals), g (integer id). */
function makeCsv(rows: number): string {
  let state = 20240601;
  const unif = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const parts: string[] = ['y,x,g\n'];
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `${(unif() * 10 - 5).toFixed(9)},${(unif() * 100).toFixed(8)},${Math.floor(unif() * 100000)}\n`;
    if (chunk.length > 1 << 16) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function run(argv: readonly string[]): Promise<number> {
  const rows = Number(argValue(argv, '--rows') ?? 1_000_000);
  const dir = await mkdtemp(join(tmpdir(), 'lmer2jags-csv-bench-'));
  try {
    const path = join(dir, 'big.csv');
    const text = makeCsv(rows);
    await writeFile(path, text);
    console.log(`file: ${rows.toLocaleString('en')} rows × 3 numeric columns, ${(text.length / 1e6).toFixed(1)} MB`);

    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      const table = await readDataFile(path);
      const ms = performance.now() - t0;
      if (table.nrow !== rows || table.names.length !== 3 || table.names.some((n) => table.columns.get(n)?.kind !== 'numeric')) {
        console.error(`readDataFile returned ${table.nrow} rows, columns ${table.names.join(', ')}: expected ${rows} numeric rows`);
        return 1;
      }
      times.push(ms);
    }
    const med = median(times);
    console.log(`readDataFile: median ${med.toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms); target < ${TARGET_MS} ms`);

    if (!argv.includes('--skip-csv-parse')) {
      const t0 = performance.now();
      const records = parse(readFileSync(path, 'utf8')) as string[][];
      const ms = performance.now() - t0;
      console.log(`csv-parse (sync, strings only, no typing): ${ms.toFixed(0)} ms for ${records.length - 1} rows`);
    }

    if (med > TARGET_MS) {
      console.error(`FAIL: ${med.toFixed(0)} ms is over the ${TARGET_MS} ms target`);
      return 1;
    }
    console.log('OK');
    return 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The suite: exit code 1 when the median is over the target. */
export async function main(argv: string[]): Promise<void> {
  const code = await run(argv);
  if (code !== 0) process.exitCode = code;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
