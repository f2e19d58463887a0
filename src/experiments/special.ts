/**
 * Special functions the experiment statistics need: log-gamma, the
 * regularized incomplete gamma and beta functions, the normal CDF and its
 * inverse. Pure, double precision, checked against SciPy in
 * test/fixtures/experiments/special.json (tools/make_experiment_fixtures.py).
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Tiny number that keeps the modified Lentz recurrences off zero divisions. */
const FPMIN = 1e-300;
/** Continued fractions and series stop once a step changes the value by less than this. */
const EPS = 1e-16;
/** Iteration cap: the fractions converge in O(sqrt(max(a, b))) steps, far below this for any count we see. */
const MAX_ITERATIONS = 100_000;

// Lanczos approximation with g = 7 and 9 terms (the widely published set);
// relative error about 1e-15 over x > 0.5.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  // Below 0.5 the series loses accuracy; Γ(x) = Γ(x + 1) / x moves the argument up.
  if (x < 0.5) return logGamma(x + 1) - Math.log(x);
  const z = x - 1;
  let sum = 0;
  for (const [i, c] of LANCZOS.entries()) sum += i === 0 ? c : c / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Stirling's correction δ(x) = ln Γ(x) − ((x − ½) ln x − x + ½ ln 2π), for x ≥ 10 (error below 1e-16). */
function stirlingCorrection(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  // Bernoulli-number series: B₂ₙ / (2n (2n − 1) x^(2n − 1)) for n = 1…7.
  return (
    r *
    (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 / 156))))))
  );
}

/** Arguments from which logBeta uses Stirling's form. */
const STIRLING_FROM = 10;

/**
 * ln B(a, b). With large arguments, ln Γ(a) + ln Γ(b) − ln Γ(a + b) would
 * subtract numbers of size a ln a and lose their last digits (1e-9 at a
 * million); Stirling's form with the logarithms combined first keeps the
 * error near that of a number of size a ln(a / (a + b)).
 */
export function logBeta(a: number, b: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (hi < STIRLING_FROM) return logGamma(lo) + logGamma(hi) - logGamma(lo + hi);
  // ln Γ(hi) − ln Γ(lo + hi) + lo ln(lo + hi) − lo, without the large terms.
  const tail = -(hi - 0.5) * Math.log1p(lo / hi) + stirlingCorrection(hi) - stirlingCorrection(lo + hi);
  if (lo < STIRLING_FROM) return logGamma(lo) + tail - lo * Math.log(lo + hi) + lo;
  return LN_SQRT_2PI - 0.5 * Math.log(lo) + lo * Math.log(lo / (lo + hi)) + stirlingCorrection(lo) + tail;
}

/**
 * Modified Lentz evaluation of b0 + a1/(b1 + a2/(b2 + …)) given the terms as
 * functions of the step m ≥ 1 (b0 = the value of `b(0)`).
 */
function continuedFraction(a: (m: number) => number, b: (m: number) => number, what: string): number {
  const tiny = (v: number): number => (Math.abs(v) < FPMIN ? FPMIN : v);
  let f = tiny(b(0));
  let c = f;
  let d = 0;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    d = 1 / tiny(b(m) + a(m) * d);
    c = tiny(b(m) + a(m) / c);
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPS) return f;
  }
  throw new RangeError(`${what} did not converge`);
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a), a > 0, x ≥ 0, accurate in the far tail. */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`regularizedGammaQ needs a > 0 and x ≥ 0, got a=${a}, x=${x}`);
  if (x === 0) return 1;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    // Series for P: converges fast below the mode, and there Q is not tiny, so 1 − P loses nothing.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n <= MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) return 1 - sum * Math.exp(logPrefix);
    }
    throw new RangeError(`regularizedGammaQ(${a}, ${x}) did not converge`);
  }
  // Legendre's continued fraction for Q, which keeps its relative accuracy in the tail.
  const cf = continuedFraction(
    (m) => -m * (m - a),
    (m) => x + 1 - a + 2 * m,
    `regularizedGammaQ(${a}, ${x})`,
  );
  return Math.exp(logPrefix) / cf;
}

/** Standard normal CDF Φ(x), with full relative accuracy in both tails. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Infinity) return 1;
  if (x === -Infinity) return 0;
  // Φ(x) = erfc(−x/√2)/2 and erfc(y) = Q(1/2, y²) for y ≥ 0.
  const tail = 0.5 * regularizedGammaQ(0.5, (x * x) / 2);
  return x < 0 ? tail : 1 - tail;
}

const normalPdf = (x: number): number => Math.exp(-0.5 * x * x - LN_SQRT_2PI);

/** Inverse of the standard normal CDF: Φ⁻¹(p) for p in (0, 1); ±∞ at 0 and 1. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile needs p in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normalQuantile(1 - p);
  if (p === 0.5) return 0;
  // Start from Abramowitz & Stegun 26.2.23 (error < 4.5e-4), then Newton steps
  // on ln Φ, which stay well scaled however small p is.
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(
    t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
  );
  for (let i = 0; i < 50; i++) {
    const cdf = normalCdf(x);
    const step = ((Math.log(cdf) - Math.log(p)) * cdf) / normalPdf(x);
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

/** Regularized incomplete beta I_x(a, b): the CDF at x of Beta(a, b); a, b > 0, x in [0, 1]. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1))
    throw new RangeError(`regularizedBeta needs a, b > 0 and x in [0, 1], got x=${x}, a=${a}, b=${b}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  // The fraction converges fast below the mean; above it, I_x(a, b) = 1 − I_{1−x}(b, a).
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
  const logPrefix = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b) - Math.log(a);
  // Euler's continued fraction: d(2k) = k(b−k)x / ((a+2k−1)(a+2k)), d(2k+1) = −(a+k)(a+b+k)x / ((a+2k)(a+2k+1)).
  const cf = continuedFraction(
    (m) => {
      const k = Math.floor(m / 2);
      return m % 2 === 0
        ? (k * (b - k) * x) / ((a + 2 * k - 1) * (a + 2 * k))
        : (-(a + k) * (a + b + k) * x) / ((a + 2 * k) * (a + 2 * k + 1));
    },
    () => 1,
    `regularizedBeta(${x}, ${a}, ${b})`,
  );
  return Math.exp(logPrefix) / cf;
}

/** ln of the Beta(a, b) density at x in (0, 1), given ln B(a, b). */
export function betaLogPdf(x: number, a: number, b: number, lnB: number = logBeta(a, b)): number {
  return (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lnB;
}
