/**
 * Unix manners of the real command: results on stdout and messages on stderr; --json prints
 * exactly one JSON object on success and nothing on stdout on an error; --quiet; NO_COLOR on a
 * real terminal; --debug; a reader that closes the pipe early; exit codes in --help and README.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { fixturePath } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/cli.js';

const sleep = fixturePath('data/sleepstudy.csv');
const bin = join(packageRoot, 'bin', 'lmer2jags');

/** stdout is one JSON object (not an array, not two objects, nothing else). */
function oneObject(stdout: string): Record<string, unknown> {
  const value: unknown = JSON.parse(stdout);
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), 'a JSON object');
  return value as Record<string, unknown>;
}

/** Run a shell command line on a pseudo-terminal (util-linux `script`); null if unavailable. */
function onTerminal(commandLine: string, env: NodeJS.ProcessEnv): { code: number; output: string } | null {
  const r = spawnSync('script', ['-qec', commandLine, '/dev/null'], { env, encoding: 'utf8', cwd: packageRoot });
  if (r.error) return null;
  return { code: r.status ?? -1, output: r.stdout };
}

describe('--json: one JSON object on success, an empty stdout on error', { concurrency: true }, () => {
  it('parse, demo and simulate print exactly one object', async () => {
    const parse = await runCli(['parse', 'Reaction ~ Days + (Days | Subject)', '--data', sleep, '--json']);
    assert.equal(parse.code, 0, parse.stderr);
    assert.equal(oneObject(parse.stdout).nobs, 180);
    const demo = await runCli(['demo', '--json'], { cwd: tempDir() });
    assert.equal(demo.code, 0, demo.stderr);
    assert.equal(oneObject(demo.stdout).nobs, 800);
    const dir = tempDir();
    const out = join(dir, 'd.csv');
    const sim = await runCli(['simulate', '--groups', '5', '--per-group', '3', '--out', out, '--json']);
    assert.equal(sim.code, 0, sim.stderr);
    assert.deepEqual(oneObject(sim.stdout), { out, rows: 15, columns: ['y', 'x', 'grp'], groups: 5, perGroup: 3, seed: 1 });
  });
  it('simulate --json without --out prints the columns, which --data reads back', async () => {
    const sim = await runCli(['simulate', '--groups', '6', '--per-group', '4', '--json']);
    assert.equal(sim.code, 0, sim.stderr);
    const cols = oneObject(sim.stdout) as { y: number[]; x: number[]; grp: number[] };
    assert.equal(cols.y.length, 24);
    const csv = await runCli(['simulate', '--groups', '6', '--per-group', '4']);
    const rows = csv.stdout.trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    assert.deepEqual(rows.map((r) => r[0]), cols.y, 'the same y as the CSV, to the last bit');
    const f = join(tempDir(), 'sim.json');
    writeFileSync(f, sim.stdout);
    const parsed = await runCli(['parse', 'y ~ x + (x | grp)', '--data', f, '--json']);
    assert.equal(parsed.code, 0, parsed.stderr);
    assert.equal(oneObject(parsed.stdout).nobs, 24);
  });
  it('on an error stdout stays empty: the message is on stderr and the exit code is 2', async () => {
    for (const args of [
      ['parse', 'Reaction ~ Days + (Days | Subject', '--data', sleep, '--json'],
      ['parse', 'Reaction ~ Days + (1 | Subject)', '--data', '/nonexistent.csv', '--json'],
      ['simulate', '--groups', '1', '--json'],
      ['parse', '--json'],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^error: /);
    }
  });
});

describe('messages, colours and stack traces', { concurrency: true }, () => {
  it('--quiet silences the informational messages', async () => {
    const dir = tempDir();
    const f = join(dir, 'na.csv');
    writeFileSync(f, 'y,x,g\n1,2,a\n2,NA,a\n3,4,b\n5,6,a\n6,7,b\n');
    const loud = await runCli(['parse', 'y ~ x + (1 | g)', '--data', f]);
    assert.match(loud.stderr, /1 of 5 rows dropped/);
    const quiet = await runCli(['parse', 'y ~ x + (1 | g)', '--data', f, '--quiet']);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.stdout, loud.stdout);
    const sim = await runCli(['simulate', '--groups', '3', '--per-group', '2', '--out', join(dir, 'd.csv'), '-q']);
    assert.equal(sim.code, 0);
    assert.equal(sim.stderr, '');
    assert.equal(sim.stdout, '');
  });
  it('--debug adds the stack trace to an error, and without it there is none', async () => {
    const args = ['parse', 'y ~ (x |', '--data', sleep];
    const plain = await runCli(args);
    assert.equal(plain.code, 2);
    assert.doesNotMatch(plain.stderr, /\n\s+at /);
    const debug = await runCli([...args, '--debug']);
    assert.equal(debug.code, 2);
    assert.match(debug.stderr, /^error: /);
    assert.match(debug.stderr, /\n\s+at .*parse\.js:\d+:\d+/);
  });
  it('colours on a real terminal, none with NO_COLOR (run under script(1))', async (t) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
    delete env.NO_COLOR;
    const cmd = `'${process.execPath}' '${bin}' parse 'y ~ (x |' --data '${sleep}'`;
    const coloured = onTerminal(cmd, env);
    if (coloured === null) return t.skip('script(1) is not installed');
    assert.equal(coloured.code, 2);
    assert.match(coloured.output, /\x1b\[31;1merror:/);
    const plain = onTerminal(cmd, { ...env, NO_COLOR: '1' });
    assert.ok(plain);
    assert.equal(plain.code, 2);
    assert.match(plain.output, /error: /);
    assert.doesNotMatch(plain.output, /\x1b\[/);
  });
  it('a reader that closes the pipe early (| head -1) stops the command quietly', async () => {
    const child = spawn(process.execPath, [bin, 'simulate', '--groups', '20000', '--per-group', '8'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString())));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.match(first, /^"y","x","grp"/);
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});

describe('exit codes are documented', () => {
  it('in --help of every command, with the --json error rule', async () => {
    for (const args of [['--help'], ['parse', '--help'], ['simulate', '--help'], ['demo', '--help'], ['verify', '--help'], ['explain', '--help']]) {
      const r = await runCli(args);
      assert.equal(r.code, 0);
      for (const line of [/0 {2}success/, /1 {2}verify found discrepancies/, /2 {2}bad input/, /3 {2}internal error/, /empty on an error/]) assert.match(r.stdout, line);
    }
  });
  it('in the README', () => {
    const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
    for (const row of [/\| 0 \| success/, /\| 1 \| `verify` found discrepancies/, /\| 2 \| bad input/, /\| 3 \| internal error/]) assert.match(readme, row);
    assert.match(readme, /--json.*stdout is empty|stdout stays empty/);
  });
});
