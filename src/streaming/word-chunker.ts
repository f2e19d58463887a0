/**
 * Groups a model's streamed pieces into whole words sent at a steady pace.
 * A local model yields tokens of one to three characters, often several in
 * one event-loop turn (one forward pass of a batch): sent as they come, a
 * client gets a burst of tiny messages and renders half words. Here a chunk
 * ends at a word boundary, and at most one goes out per interval; a tail
 * that stays unfinished for a whole interval (a slow model, a long word)
 * goes out as it is, so a stream never stalls.
 */

export interface WordChunkerOptions {
  /** Receives each chunk, in order; the chunks concatenate to the pushed text. */
  emit: (chunk: string) => void;
  /** Shortest gap between two chunks, and how long an unfinished word waits for its end, ms. Default 50. */
  intervalMs?: number;
  /** Clock, ms. Default Date.now. */
  now?: () => number;
}

/** The length of the complete words at the start of `text`: up to and including its last whitespace. */
export function completeWordsLength(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (/\s/.test(text.charAt(i))) return i + 1;
  return 0;
}

/** One stream's chunker. Call `flush` when the stream ends and `close` when it is abandoned. */
export class WordChunker {
  private buffer = '';
  private lastEmit = -Infinity;
  /** When the unfinished tail in the buffer began to wait; null when the buffer is empty. */
  private heldSince: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: WordChunkerOptions) {
    this.intervalMs = options.intervalMs ?? 50;
    this.now = options.now ?? Date.now;
  }

  push(piece: string): void {
    // A provider may still deliver a piece or two after the client went away.
    if (piece === '' || this.closed) return;
    this.buffer += piece;
    this.pump();
  }

  /** Sends whatever is held at once (the stream ended). */
  flush(): void {
    this.clearTimer();
    this.send(this.buffer.length, this.now());
  }

  /** Drops the timer and what is held, and ignores later pieces (the client went away). */
  close(): void {
    this.closed = true;
    this.clearTimer();
    this.buffer = '';
    this.heldSince = null;
  }

  private pump(): void {
    // Looked at afresh on each piece: a word that just ended may go out now rather than when the wait for it was due.
    this.clearTimer();
    const now = this.now();
    const complete = completeWordsLength(this.buffer);
    if (now - this.lastEmit >= this.intervalMs) {
      const stale = this.heldSince !== null && now - this.heldSince >= this.intervalMs;
      if (complete > 0) this.send(complete, now);
      else if (stale) this.send(this.buffer.length, now);
    }
    if (this.buffer === '') return;
    this.heldSince ??= now;
    // Next look: when the pace allows another chunk, and for a lone unfinished word not before it has waited an interval.
    const wordsWaiting = completeWordsLength(this.buffer) > 0;
    const at = wordsWaiting
      ? this.lastEmit + this.intervalMs
      : Math.max(this.lastEmit, this.heldSince) + this.intervalMs;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.pump();
      },
      Math.max(0, at - now),
    );
  }

  private send(length: number, now: number): void {
    if (length <= 0) return;
    const chunk = this.buffer.slice(0, length);
    this.buffer = this.buffer.slice(length);
    this.lastEmit = now;
    // What is left began to wait now; an empty buffer waits for nothing.
    this.heldSince = this.buffer === '' ? null : now;
    this.options.emit(chunk);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** A stored text cut into chunks of `words` whole words each, for replaying it as a stream; they concatenate to `text`. */
export function wordGroups(text: string, words: number): string[] {
  const pieces = text.match(/\s+|\S+\s*/g) ?? [];
  const groups: string[] = [];
  for (let i = 0; i < pieces.length; i += Math.max(1, words))
    groups.push(pieces.slice(i, i + Math.max(1, words)).join(''));
  return groups;
}
