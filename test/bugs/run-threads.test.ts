/**
 * runBundledEngine: the same CODA files whatever the number of threads (each worker formats
 * its own chains' blocks), and the draws it resolves to are exactly what the files hold.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBundledEngine } from '../../src/bugs/run.js';
import { readSamples } from '../../src/jags/jags-cli.js';
import { fixturePath } from '../helpers/fixtures.js';

function rats(chains: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'lmer2jags-threads-'));
  cpSync(fixturePath('bugs-examples/rats'), dir, { recursive: true });
  const cmd = join(dir, 'run.cmd');
  // Chains beyond the two inits files start from JAGS's default values.
  writeFileSync(cmd, readFileSync(cmd, 'utf8').replace('update 10000', 'update 300').replace('nchains(2)', `nchains(${chains})`));
  return dir;
}

test('1, 2 and 3 threads write the same files, and the returned draws are the files\'', async () => {
  const files: string[][] = [];
  for (const threads of [1, 2, 3]) {
    const dir = rats(3);
    try {
      const result = await runBundledEngine(dir, { quiet: true, seed: 17, threads });
      assert.ok(result);
      assert.equal(result.stem, 'CODA');
      const written = result.coda;
      files.push(['CODAindex.txt', 'CODAchain1.txt', 'CODAchain2.txt', 'CODAchain3.txt'].map((f) => readFileSync(join(dir, f), 'latin1')));
      const read = readSamples(dir);
      assert.deepEqual(written.names, read.names);
      written.chains.forEach((c, k) => {
        for (const name of written.names) {
          assert.deepEqual(Array.from(c.get(name)!.iterations), Array.from(read.chains[k].get(name)!.iterations));
          assert.deepEqual(Array.from(c.get(name)!.values), Array.from(read.chains[k].get(name)!.values), `${name}, chain ${k + 1}`);
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  assert.ok(files[0][1].length > 1000);
  assert.deepEqual(files[1], files[0]);
  assert.deepEqual(files[2], files[0]);
});
