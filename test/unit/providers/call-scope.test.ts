import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { InFlight, callSignal, linkSignals, toProviderError } from '../../../providers/call-scope.js';

describe('callSignal', () => {
  it('times out with a TimeoutError reason, mapped to the timeout kind', async () => {
    const call = callSignal(new InFlight(), 20);
    await new Promise((resolve) => call.signal.addEventListener('abort', resolve, { once: true }));
    assert.equal((call.signal.reason as Error).name, 'TimeoutError');
    assert.equal(call.timedOut(), true);
    assert.equal(call.aborted(), false);
    assert.equal(toProviderError('p', call.signal.reason, call.context()).kind, 'timeout');
    call.dispose();
  });

  it('tells a caller abort and a provider close from a timeout', () => {
    const caller = new AbortController();
    const byCaller = callSignal(new InFlight(), 10_000, caller.signal);
    caller.abort();
    assert.equal(byCaller.signal.aborted, true);
    assert.deepEqual([byCaller.timedOut(), byCaller.aborted()], [false, true]);
    byCaller.dispose();
    const inFlight = new InFlight();
    const byClose = callSignal(inFlight, 10_000);
    inFlight.close();
    assert.deepEqual([byClose.signal.aborted, byClose.timedOut(), byClose.aborted()], [true, false, true]);
    byClose.dispose();
  });

  it('leaves no timer armed once disposed', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const disposed = callSignal(new InFlight(), 60_000);
      const kept = callSignal(new InFlight(), 60_000);
      disposed.dispose();
      mock.timers.tick(60_000);
      assert.equal(kept.signal.aborted, true, 'the timeout of a call still running fires');
      assert.equal(disposed.signal.aborted, false, 'a disposed call has no timer left');
    } finally {
      mock.timers.reset();
    }
  });
});

describe('linkSignals', () => {
  it('aborts with the first source to abort, at once for an already aborted source, and detaches on dispose', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkSignals([a.signal, b.signal]);
    assert.equal(getEventListeners(a.signal, 'abort').length, 1);
    b.abort(new Error('b first'));
    a.abort(new Error('a second'));
    assert.equal(linked.signal.aborted, true);
    assert.equal((linked.signal.reason as Error).message, 'b first');
    // Firing detached it from every source.
    assert.equal(getEventListeners(a.signal, 'abort').length + getEventListeners(b.signal, 'abort').length, 0);

    const done = new AbortController();
    done.abort('gone');
    assert.equal(linkSignals([new AbortController().signal, done.signal]).signal.reason, 'gone');

    const long = new AbortController();
    const call = linkSignals([long.signal]);
    call.dispose();
    assert.equal(
      getEventListeners(long.signal, 'abort').length,
      0,
      'a finished call leaves nothing on a long-lived signal',
    );
    long.abort();
    assert.equal(call.signal.aborted, false);
  });

  it('callSignal leaves no listener on the provider signal or the caller signal once disposed', () => {
    const inFlight = new InFlight();
    const caller = new AbortController();
    for (let i = 0; i < 100; i++) callSignal(inFlight, 1000, caller.signal).dispose();
    assert.equal(getEventListeners(inFlight.signal, 'abort').length, 0);
    assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
    const live = callSignal(inFlight, 1000, caller.signal);
    inFlight.close();
    assert.equal(live.signal.aborted, true);
    assert.equal(live.aborted(), true);
    live.dispose();
  });
});
