import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Output, colorAllowed, table } from '../../src/cli/output.js';

/** A stream that keeps what is written, and claims to be a terminal or not. */
class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('Output: where things go', () => {
  it('colours only on a terminal, and never with a non-empty NO_COLOR or TERM=dumb (no-color.org)', () => {
    assert.equal(colorAllowed({ isTTY: true }, {}), true);
    assert.equal(colorAllowed({ isTTY: false }, {}), false);
    assert.equal(colorAllowed({}, {}), false);
    assert.equal(colorAllowed({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(colorAllowed({ isTTY: true }, { NO_COLOR: 'yes' }), false);
    assert.equal(colorAllowed({ isTTY: true }, { NO_COLOR: '' }), true, 'an empty NO_COLOR does not count');
    assert.equal(colorAllowed({ isTTY: true }, { TERM: 'dumb' }), false);
  });

  it('paints "error:" and the caret on a colour terminal, and writes plain text elsewhere', () => {
    const saved = process.env.NO_COLOR;
    delete process.env.NO_COLOR;
    try {
      const tty = new Capture(true);
      new Output({}, new Capture(false), tty).error('error: bad\n  y ~\n     ^\nhint: fix it');
      assert.match(tty.text, /^\x1b\[31;1merror:\x1b\[0m bad\n/);
      assert.match(tty.text, /\x1b\[31m {5}\^\x1b\[0m/);
      const pipe = new Capture(false);
      new Output({}, new Capture(false), pipe).error('error: bad\n  y ~\n     ^\nhint: fix it');
      assert.equal(pipe.text, 'error: bad\n  y ~\n     ^\nhint: fix it\n');
    } finally {
      if (saved !== undefined) process.env.NO_COLOR = saved;
    }
  });

  it('--quiet silences messages, not results, warnings or errors', () => {
    const out = new Capture(false);
    const err = new Capture(false);
    const o = new Output({ quiet: true }, out, err);
    o.info('wrote data.csv');
    o.result('the result');
    o.json({ a: 1 });
    o.warn('careful');
    o.error('error: broken');
    assert.equal(out.text, 'the result\n{\n  "a": 1\n}\n');
    assert.equal(err.text, 'warning: careful\nerror: broken\n');
    const loud = new Capture(false);
    new Output({}, new Capture(false), loud).info('wrote data.csv');
    assert.equal(loud.text, 'wrote data.csv\n');
  });

  it('json() writes exactly one parseable object with a final newline', () => {
    const out = new Capture(false);
    new Output({ json: true }, out, new Capture(false)).json({ name: 'x "quoted"', values: [1, 2.5, null] });
    assert.ok(out.text.endsWith('}\n'));
    assert.deepEqual(JSON.parse(out.text), { name: 'x "quoted"', values: [1, 2.5, null] });
  });

  it('table() aligns columns and right-aligns numbers', () => {
    assert.equal(table([['name', 'n'], ['Subject', '18'], ['g', '100']]), '  name     n\n  Subject   18\n  g        100');
  });
});
