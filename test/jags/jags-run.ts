/**
 * Test helpers: find the fixtures folder and run the real `jags` binary in a temp folder.
 * Tests that need JAGS skip themselves when it is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures-jags in the source tree (tests run from dist/test/jags). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures-jags');

export const HAVE_JAGS = spawnSync('sh', ['-c', 'command -v jags'], { encoding: 'utf8' }).status === 0;

/** `{ skip }` option for node:test when JAGS is missing. */
export const needsJags = HAVE_JAGS ? {} : { skip: 'jags is not installed' };

/** A fresh temp folder, and a function that removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lmer2jags-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes the files and runs `jags run.cmd` in `dir`; returns exit status and output. */
export function runJags(dir: string, files: Record<string, string>, script: string): { status: number; output: string } {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'run.cmd'), script);
  const r = spawnSync('jags', ['run.cmd'], { cwd: dir, encoding: 'utf8', timeout: 20000 });
  return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
