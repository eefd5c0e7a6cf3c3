/**
 * A check for super-linear time (regex backtracking, quadratic loops) that
 * does not depend on the machine's speed. The input size doubles four times
 * (n … 16n) and the growth exponent is the least-squares slope of log(time)
 * over log(size): about 1 for linear work, about 2 for quadratic work. Each
 * time is the best of several samples, each sample repeating the work long
 * enough to be measured, so one GC pause or a busy core cannot decide it.
 */
import { expect } from "vitest";

/** Highest accepted growth exponent: linear stays well under it, quadratic goes well over it. */
export const MAX_EXPONENT = 1.6;

const STEPS = 5;
/** Each measurement repeats the work until it takes about this long. */
const TARGET_MS = 2;

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** The best time of one `work()`, each sample repeating it enough to take ~{@link TARGET_MS}. */
function timeOf(work: () => void): number {
  let started = now();
  work(); // warm up (JIT, caches) and estimate
  const estimate = Math.max(now() - started, 0.001);
  const reps = Math.min(1_000, Math.max(1, Math.ceil(TARGET_MS / estimate)));
  let best = Infinity;
  for (let sample = 0; sample < 5; sample++) {
    started = now();
    for (let i = 0; i < reps; i++) work();
    best = Math.min(best, (now() - started) / reps);
  }
  return best;
}

/** The least-squares slope of `ys` over `xs`. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

/**
 * Measures `work(make(size))` for sizes n, 2n, 4n, 8n, 16n and asserts that
 * time grows at most like size^{@link MAX_EXPONENT}. Keep 16n modest (inputs
 * of some 10–100 KB): larger inputs fall out of the CPU caches, which makes
 * even linear code look super-linear.
 */
export function expectLinear<T>(label: string, n: number, make: (size: number) => T, work: (input: T) => void): void {
  const sizes: number[] = [];
  const times: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const size = n * 2 ** step;
    const input = make(size);
    sizes.push(size);
    times.push(timeOf(() => work(input)));
  }
  const exponent = slope(sizes.map(Math.log2), times.map(Math.log2));
  const shown = sizes.map((size, i) => `${size}: ${times[i]!.toFixed(3)} ms`).join(", ");
  expect(exponent, `${label}: time grows like size^${exponent.toFixed(2)} (${shown})`).toBeLessThan(MAX_EXPONENT);
}
