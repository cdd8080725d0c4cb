/**
 * Helpers for the bad-input tests: run the real command (also as another user, or under a
 * file-size limit) and check the "exit 2, one message on stderr, nothing on stdout" contract.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { type CliResult, runCli, tempDir } from './cli.js';

export const isRoot = process.getuid?.() === 0;
export const NOBODY = 65534;

export function assertBadInput(r: CliResult, ...patterns: RegExp[]): void {
  const shown = `\n--- stderr ---\n${r.stderr}--- stdout ---\n${r.stdout}`;
  assert.equal(r.code, 2, `exit code 2${shown}`);
  assert.equal(r.stdout, '', `nothing on stdout${shown}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, `no stack trace${shown}`);
  assert.match(r.stderr, /^error: /, `starts with error:${shown}`);
  assert.equal(r.stderr.match(/^error: /gm)?.length, 1, `exactly one error message${shown}`);
  assert.match(r.stderr, /\nhint: /, `a hint on what to do${shown}`);
  for (const p of patterns) assert.match(r.stderr, p, `${p}${shown}`);
}

export async function expectBadInput(args: string[], ...patterns: RegExp[]): Promise<string> {
  const r = await runCli(args);
  assertBadInput(r, ...patterns);
  return r.stderr;
}

/** A data file in a fresh folder. */
export function dataFile(name: string, content: string | Uint8Array): string {
  const f = join(tempDir(), name);
  writeFileSync(f, content);
  return f;
}

/** Run the CLI as another user (root only), to meet real permission errors. */
export function runCliAs(uid: number, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot, 'bin', 'lmer2jags'), ...args], {
      cwd: packageRoot,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      uid,
      gid: uid,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Run the CLI under a shell's `ulimit -f` (file-size limit in 1024-byte blocks). */
export function runCliWithFileLimit(blocks: number, args: readonly string[]): CliResult {
  const quoted = [process.execPath, join(packageRoot, 'bin', 'lmer2jags'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -f ${blocks} && exec ${quoted}`], { cwd: packageRoot, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let nobodyWorks: Promise<boolean> | null = null;

/** Whether user nobody can run lmer2jags from this checkout (root only; else false). */
export function canRunAsNobody(): Promise<boolean> {
  if (!isRoot) return Promise.resolve(false);
  nobodyWorks ??= runCliAs(NOBODY, ['--version']).then((r) => r.code === 0);
  return nobodyWorks;
}
