import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { reportError, withOutput } from '../../src/cli/common.js';
import { Output } from '../../src/cli/output.js';
import { InternalError, Lmer2JagsError } from '../../src/errors.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function report(e: unknown, debug: boolean): { code: number; stderr: string; stdout: string } {
  const out = new Capture();
  const err = new Capture();
  const code = reportError(new Output({}, out, err), e, debug);
  return { code, stderr: err.text, stdout: out.text };
}

describe('the error → exit code policy', () => {
  it('a user error: exit 2, the formatted message, a stack only with --debug', () => {
    const e = new Lmer2JagsError('no such file: d.csv', { location: { kind: 'file', path: 'd.csv' }, hint: 'check the path' });
    const plain = report(e, false);
    assert.equal(plain.code, 2);
    assert.equal(plain.stderr, 'error: no such file: d.csv\n  --> d.csv\nhint: check the path\n');
    assert.equal(plain.stdout, '');
    const debug = report(e, true);
    assert.equal(debug.code, 2);
    assert.match(debug.stderr, /^error: no such file/);
    assert.match(debug.stderr, /\n\s+at .+common\.test\.js/);
  });

  it('anything else is our bug: exit 3, a short message and a hint, the stack only with --debug', () => {
    const plain = report(new TypeError('x is undefined'), false);
    assert.equal(plain.code, 3);
    assert.match(plain.stderr, /^error: internal error in lmer2jags: TypeError: x is undefined\nhint: this is a bug in lmer2jags; run again with --debug/);
    assert.doesNotMatch(plain.stderr, /\n\s+at /);
    const debug = report(new InternalError('internal invariant failed: n > 0'), true);
    assert.equal(debug.code, 3);
    assert.match(debug.stderr, /internal invariant failed: n > 0/);
    assert.match(debug.stderr, /\n\s+at /);
    assert.equal(report('a thrown string', false).code, 3);
  });

  it('withOutput turns a thrown error into its exit code and passes a result through', async () => {
    assert.equal(await withOutput({ quiet: true }, async () => 0), 0);
    const saved = process.stderr.write;
    let written = '';
    process.stderr.write = ((s: string) => ((written += s), true)) as typeof process.stderr.write;
    try {
      assert.equal(await withOutput({}, async () => { throw new Lmer2JagsError('bad'); }), 2);
    } finally {
      process.stderr.write = saved;
    }
    assert.equal(written, 'error: bad\n');
  });
});
