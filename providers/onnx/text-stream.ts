/**
 * Turns one row's decoded pieces into the text a caller sees, streamed and
 * final alike, so that the streamed pieces always concatenate to the final
 * text: leading whitespace is dropped (prompts end in "Description:"), text
 * that might be the start of a stop string is held back until it is known
 * not to be one, and trailing whitespace is held back until more text follows.
 */
export class StopTextStream {
  private text = '';
  private emitted = 0;
  private stopped = false;
  private readonly longestStop: number;

  constructor(
    private readonly stops: readonly string[],
    private readonly emit: (piece: string) => void,
  ) {
    this.stops = stops.filter((s) => s.length > 0);
    this.longestStop = Math.max(0, ...this.stops.map((s) => s.length));
  }

  /** Adds decoded text; returns true once a stop string has been seen (then nothing more is accepted). */
  push(piece: string): boolean {
    if (this.stopped || piece === '') return this.stopped;
    const before = this.text.length;
    this.text += piece;
    if (before === 0) this.text = this.text.trimStart();
    const from = Math.max(0, before - this.longestStop);
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.text.indexOf(stop, from);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.text = this.text.slice(0, cut).trimEnd();
      this.stopped = true;
      this.release(this.text.length);
      return true;
    }
    this.release(this.safeLength());
    return false;
  }

  /** Ends the stream: whatever was held back (except trailing whitespace) goes out. Returns the final text. */
  finish(): string {
    this.text = this.text.trimEnd();
    this.release(this.text.length);
    return this.text;
  }

  get stoppedByString(): boolean {
    return this.stopped;
  }

  private safeLength(): number {
    let safe = trimmedEnd(this.text, this.text.length);
    // Hold back the longest suffix that is a proper prefix of a stop string.
    for (const stop of this.stops) {
      for (let n = Math.min(stop.length - 1, this.text.length); n > 0; n--) {
        if (this.text.endsWith(stop.slice(0, n))) {
          safe = Math.min(safe, this.text.length - n);
          break;
        }
      }
    }
    // Whitespace just before held-back text is held back too: it may end up trailing.
    return trimmedEnd(this.text, safe);
  }

  private release(upTo: number): void {
    if (upTo > this.emitted) {
      this.emit(this.text.slice(this.emitted, upTo));
      this.emitted = upTo;
    }
  }
}

/** The length of `text.slice(0, end).trimEnd()`, without making either string (this runs on every token). */
function trimmedEnd(text: string, end: number): number {
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    const space = c < 128 ? c === 32 || (c >= 9 && c <= 13) : /\s/.test(text.charAt(end - 1));
    if (!space) break;
    end--;
  }
  return end;
}
