import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { InFlight, callSignal, toProviderError } from '../../../providers/call-scope.js';

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
