/**
 * Counts the work a drain waits for: GraphQL requests over HTTP and
 * operations running on graphql-ws sockets, in one count, so shutdown waits
 * for both the same way.
 */
export class InFlight {
  private count = 0;
  private readonly waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  /** Counts one piece of work in; returns the function that counts it out (idempotent). */
  enter(): () => void {
    this.count++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (--this.count === 0) for (const resolve of this.waiters.splice(0)) resolve();
    };
  }

  /** Resolves when nothing is in flight (at once when nothing is). */
  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
