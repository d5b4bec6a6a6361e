// Zombie times of folded processes: min, median, p99 and max of any number of durations
// in bounded memory. Exact while there are few (every value kept, up to EXACT_LIMIT);
// past that a log-bucketed histogram (the DDSketch idea): each quantile within 1% of the
// true value, min and max exact, at most a few hundred buckets for any realistic span.

/** Values kept one by one before switching to buckets. */
export const EXACT_LIMIT = 1024;
/** Relative accuracy of a quantile once bucketed. */
const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LOG_GAMMA = Math.log(GAMMA);
/** Below a nanosecond a duration counts as zero (strace prints microseconds or nanoseconds). */
const SMALLEST = 1e-9;

export interface DurationSummary {
  min: number;
  median: number;
  p99: number;
  max: number;
}

export class DurationSketch {
  count = 0;
  min = Infinity;
  max = -Infinity;
  /** Every value, while count <= EXACT_LIMIT; null once bucketed. */
  private exact: number[] | null = [];
  private zeros = 0;
  private buckets: Map<number, number> | null = null;

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    const v = Math.max(0, value);
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (this.exact) {
      this.exact.push(v);
      if (this.exact.length > EXACT_LIMIT) this.toBuckets();
      return;
    }
    this.bucket(v, 1);
  }

  /** Adds every value of `other` (a folded group merged into another). */
  merge(other: DurationSketch): void {
    if (other.count === 0) return;
    if (other.exact) {
      for (const v of other.exact) this.add(v);
      return;
    }
    if (this.exact) this.toBuckets();
    this.count += other.count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.zeros += other.zeros;
    for (const [k, n] of other.buckets ?? []) this.buckets!.set(k, (this.buckets!.get(k) ?? 0) + n);
  }

  /** True while every value is kept: the quantiles are exact. */
  get isExact(): boolean {
    return this.exact !== null;
  }

  /** The value at quantile q (0..1): the nearest-rank value when exact, within 1% of it when bucketed. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil(q * this.count) - 1));
    if (this.exact) {
      this.exact.sort((a, b) => a - b);
      return this.exact[rank];
    }
    if (rank < this.zeros) return 0;
    const keys = [...this.buckets!.keys()].sort((a, b) => a - b);
    let seen = this.zeros;
    for (const k of keys) {
      seen += this.buckets!.get(k)!;
      if (seen > rank) return Math.min(this.max, Math.max(this.min, (2 * GAMMA ** k) / (GAMMA + 1)));
    }
    return this.max;
  }

  summary(): DurationSummary | null {
    if (this.count === 0) return null;
    return { min: this.min, median: this.quantile(0.5), p99: this.quantile(0.99), max: this.max };
  }

  private toBuckets(): void {
    const values = this.exact ?? [];
    this.exact = null;
    this.buckets = new Map();
    for (const v of values) this.bucket(v, 1);
  }

  private bucket(v: number, n: number): void {
    if (v < SMALLEST) {
      this.zeros += n;
      return;
    }
    const k = Math.ceil(Math.log(v) / LOG_GAMMA);
    this.buckets!.set(k, (this.buckets!.get(k) ?? 0) + n);
  }
}
