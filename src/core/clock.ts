// A strace log's clock: what each line's stamp means in seconds. -t prints the time of
// day, which wraps at midnight; -tt adds microseconds (--timestamps=ns nanoseconds);
// -ttt prints epoch seconds; -r the time since the previous line.
import { decodeAscii } from './bytes';
import type { Seconds } from './events';

export type TimestampStyle = 'unknown' | 'none' | 'clock' | 'epoch' | 'relative';

/** Timestamps below this are `-r` deltas, above it `-ttt` epoch seconds (1973 onwards). */
const EPOCH_THRESHOLD = 1e8;
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);

export class StraceClock {
  /** Told by the log's first line: its stamp, or none. */
  style: TimestampStyle = 'unknown';
  private relativeClock = 0;
  private lastClock = -1;
  private dayOffset = 0;

  /** A line with no stamp: a log that starts so has none. */
  unstamped(): void {
    if (this.style === 'unknown') this.style = 'none';
  }

  /** `12:01:02` or `12:01:02.123456` in seconds since the first day's midnight; NaN when malformed. */
  clockTime(text: string): Seconds {
    const m = /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
    if (!m) return NaN;
    if (this.style === 'unknown' || this.style === 'none') this.style = 'clock';
    let t = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
    // `-t` wraps at midnight: a jump back of more than half a day is the next day.
    if (this.lastClock >= 0 && t + this.dayOffset < this.lastClock - 43200) this.dayOffset += 86400;
    t += this.dayOffset;
    this.lastClock = t;
    return t;
  }

  /** A stamp that is one number: epoch seconds as they are, or a `-r` delta added up. */
  numericTime(value: number): Seconds {
    if (this.style === 'unknown' || this.style === 'none') {
      this.style = value >= EPOCH_THRESHOLD ? 'epoch' : 'relative';
    }
    if (this.style === 'relative') {
      // -r: each stamp is the time since the previous line, whichever task printed it.
      this.relativeClock += value;
      return this.relativeClock;
    }
    return value;
  }
}

/**
 * An epoch stamp read at byte level, in seconds: its digits as one integer and its
 * decimal places; its text b[from, end) is read only when the integer is not exact.
 */
export function epochSeconds(digits: number, places: number, b: Uint8Array, from: number, end: number): Seconds {
  // A safe integer and a power of ten are exact, so the quotient is Number()'s correctly rounded value.
  if (digits <= Number.MAX_SAFE_INTEGER) return digits / POWERS_OF_TEN[places];
  return Number(decodeAscii(b, from, end));
}
