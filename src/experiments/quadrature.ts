/**
 * Globally adaptive Gauss–Legendre quadrature for smooth integrands on a
 * finite interval. The nodes are computed here (Newton on the Legendre
 * polynomial), so no table of constants has to be trusted.
 */

/** Points of the rule on each panel; exact for polynomials of degree 19. */
const ORDER = 10;

function legendreRule(n: number): Array<{ node: number; weight: number }> {
  const points: Array<{ node: number; weight: number }> = [];
  for (let i = 1; i <= n; i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let derivative = 0;
    for (let iter = 0; iter < 100; iter++) {
      // Three-term recurrence for P_n(x), and P_n'(x) from P_n and P_{n−1}.
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
      derivative = (n * (x * p1 - p0)) / (x * x - 1);
      const step = p1 / derivative;
      x -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    points.push({ node: x, weight: 2 / ((1 - x * x) * derivative * derivative) });
  }
  return points;
}

const RULE = legendreRule(ORDER);

function rule(f: (x: number) => number, a: number, b: number): number {
  const half = (b - a) / 2;
  const mid = (a + b) / 2;
  let sum = 0;
  for (const { node, weight } of RULE) sum += weight * f(mid + half * node);
  return sum * half;
}

interface Panel {
  a: number;
  b: number;
  /** The rule over the whole panel. */
  whole: number;
  /** The rule over its two halves: the panel's estimate. */
  left: number;
  right: number;
  /** |whole − (left + right)|: a safe bound on the error of the halves' sum. */
  error: number;
}

function makePanel(f: (x: number) => number, a: number, b: number, whole: number): Panel {
  const mid = (a + b) / 2;
  const left = rule(f, a, mid);
  const right = rule(f, mid, b);
  return { a, b, whole, left, right, error: Math.abs(left + right - whole) };
}

export interface Quadrature {
  value: number;
  /** Sum of the panels' error estimates. */
  error: number;
}

/**
 * ∫ f over [a, b]. It starts from `panels` equal panels (make each no wider
 * than a few of the integrand's narrowest features, so no peak falls between
 * nodes) and splits the panel with the largest error estimate until the
 * estimates sum to at most `tolerance` or there are `maxPanels` panels: an
 * integrand whose rounding noise exceeds the tolerance then costs a bounded
 * effort, and the error it reports says so.
 */
export function integrate(
  f: (x: number) => number,
  a: number,
  b: number,
  panels: number,
  tolerance: number,
  maxPanels = 400,
): Quadrature {
  if (!(b > a)) return { value: 0, error: 0 };
  const width = (b - a) / panels;
  const all: Panel[] = [];
  for (let i = 0; i < panels; i++) {
    const lo = a + i * width;
    const hi = i === panels - 1 ? b : lo + width;
    all.push(makePanel(f, lo, hi, rule(f, lo, hi)));
  }
  for (;;) {
    let error = 0;
    let worst: Panel | undefined;
    let worstAt = 0;
    for (const [i, panel] of all.entries()) {
      error += panel.error;
      if (!worst || panel.error > worst.error) [worst, worstAt] = [panel, i];
    }
    if (!worst || error <= tolerance || all.length >= maxPanels)
      return { value: all.reduce((s, p) => s + p.left + p.right, 0), error };
    const p = worst;
    const mid = (p.a + p.b) / 2;
    all.splice(worstAt, 1, makePanel(f, p.a, mid, p.left), makePanel(f, mid, p.b, p.right));
  }
}
