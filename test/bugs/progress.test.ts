/**
 * The bundled engine's progress bar (src/bugs/progress.ts), driven directly with a stand-in
 * terminal stream and a fake clock: what it draws, how often, that it clears its line, and
 * that it writes nothing when the stream is not a terminal or the bar is disabled (--quiet).
 * (test/bugs/run.test.ts checks through the real command that a non-terminal stderr gets no
 * progress output.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressReporter, renderProgress } from '../../src/bugs/progress.js';

function stream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { writes, isTTY, columns, write: (t: string) => writes.push(t) };
}

describe('progress bar', () => {
  it('draws a bar with the fraction, counts, time and an estimate of the time left', () => {
    const line = renderProgress('sampling', 2500, 10000, 4000, 80);
    assert.match(line, /^sampling \[=+> +\]  25%  2500\/10000  4\.0 s  ETA 12\.0 s$/);
    assert.ok(line.length <= 80, `${line.length} columns`);
    const bar = /\[(.*)\]/.exec(line)![1];
    assert.equal(bar.indexOf('>') + 1, Math.round(0.25 * bar.length));
    // The bar keeps its width while the numbers grow.
    assert.equal(/\[(.*)\]/.exec(renderProgress('sampling', 9999, 10000, 90000, 80))![1].length, bar.length);
    assert.match(renderProgress('sampling', 10000, 10000, 5000, 80), /\[=+\] 100%  10000\/10000  5\.0 s$/);
    assert.match(renderProgress('sampling', 0, 10000, 100, 80), /\[ +\]   0%  0\/10000  0\.1 s$/);
    assert.match(renderProgress('sampling', 50, 100, 130000, 80), /2 min 10 s  ETA 2 min 10 s$/);
    // A narrow terminal gets the numbers without a bar, cut to fit.
    const narrow = renderProgress('sampling', 50, 100, 1000, 30);
    assert.ok(narrow.length < 30 && !narrow.includes('['), narrow);
  });

  it('on a terminal: redraws in place at most once per interval, always at the end, and clears its line', () => {
    let now = 1000;
    const s = stream(true);
    const bar = progressReporter(s, { enabled: true, interval: 100, now: () => now });
    bar.update(10, 1000);
    now += 50;
    bar.update(20, 1000); // too soon: skipped
    now += 60;
    bar.update(30, 1000);
    now += 1;
    bar.update(1000, 1000); // the end is always drawn
    bar.stop();
    assert.equal(s.writes.length, 4, JSON.stringify(s.writes));
    for (const w of s.writes.slice(0, 3)) assert.ok(w.startsWith('\r\x1b[Ksampling ['), JSON.stringify(w));
    assert.match(s.writes[0], / 10\/1000 /);
    assert.match(s.writes[1], / 30\/1000 /);
    assert.match(s.writes[2], /100%  1000\/1000/);
    assert.equal(s.writes[3], '\r\x1b[K');
    bar.stop();
    assert.equal(s.writes.length, 4, 'a second stop writes nothing');
  });

  it('a terminal of unknown width (columns 0) still gets a bar', () => {
    const s = stream(true, 0);
    const bar = progressReporter(s, { enabled: true, now: () => 0 });
    bar.update(1, 2);
    assert.match(s.writes[0], /sampling \[=*>? *\]  50%/);
  });

  it('writes nothing when the stream is not a terminal, or when disabled (--quiet)', () => {
    for (const [isTTY, enabled] of [[false, true], [true, false], [false, false]] as const) {
      const s = stream(isTTY);
      const bar = progressReporter(s, { enabled, now: () => 0 });
      bar.update(1, 10);
      bar.update(10, 10);
      bar.stop();
      assert.deepEqual(s.writes, [], `isTTY ${isTTY}, enabled ${enabled}`);
    }
  });
});
