#!/usr/bin/python3
"""Makes the reference values for the experiment statistics (src/experiments).

Run from the repository root with Debian's Python (python3-scipy):

    /usr/bin/python3 tools/make_experiment_fixtures.py

Writes test/fixtures/experiments/:

  special.json     log-gamma, upper incomplete gamma, normal CDF and quantile,
                   regularized incomplete beta (scipy.special, scipy.stats.norm; the
                   beta also by 30-digit quadrature with mpmath, Debian's python3-mpmath)
  intervals.json   Wilson intervals (scipy.stats.binomtest(...).proportion_ci),
                   Newcombe's hybrid score interval for a difference (built here
                   from SciPy's Wilson bounds), Katz log interval for the ratio
                   (scipy.stats.contingency.relative_risk)
  beta.json        P(rate B > rate A) under Beta posteriors by scipy.integrate.quad,
                   checked here against the exact finite sum for whole parameters,
                   summed with mpmath
  msprt.json       mixture likelihood ratios by quadrature over the normal mixture,
                   and confidence-sequence bounds by root finding on them
  assignment.json  hash points of (experiment, session) pairs with hashlib, and the
                   variant each gets under a few weight vectors

Everything is computed from first definitions with SciPy, not from the
TypeScript formulas, so the tests compare two independent computations.
"""
import hashlib
import json
import math
import os
import warnings

import mpmath as mp
from scipy import integrate, optimize, special, stats
from scipy.stats.contingency import relative_risk

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'experiments')
# binomtest computes a p-value we do not use, dividing by zero at 0 successes.
warnings.filterwarnings('ignore', category=RuntimeWarning, module='scipy')


def write(name, data):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), 'w', encoding='utf8') as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write('\n')
    print('wrote', os.path.relpath(os.path.join(OUT, name), ROOT))


# ------------------------------------------------------------- special ----

def betainc_precise(x, a, b):
    """I_x(a, b) by 30-digit quadrature of the density over the smaller tail. SciPy
    1.10's betainc (Cephes) drifts by up to ~1e-9 relative at parameters in the
    hundreds of thousands; this is the arbiter there."""
    mp.mp.dps = 30
    a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
    log_b = mp.log(mp.beta(a, b))
    density = lambda t: mp.exp((a - 1) * mp.log(t) + (b - 1) * mp.log1p(-t) - log_b)
    mean = a / (a + b)
    sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    if x <= mean:
        cuts = sorted({max(mp.mpf(0), mean - k * sd) for k in (60, 30, 15, 8, 4, 2)} | {mp.mpf(0)})
        points = [c for c in cuts if c < x] + [x]
        value = mp.quad(density, points) if len(points) > 1 else mp.mpf(0)
    else:
        cuts = sorted({min(mp.mpf(1), mean + k * sd) for k in (2, 4, 8, 15, 30, 60)} | {mp.mpf(1)})
        points = [x] + [c for c in cuts if c > x]
        value = 1 - mp.quad(density, points)
    return float(value)


def make_special():
    gammaln = [0.01, 0.1, 0.5, 1, 1.5, 2, 2.5, 7.25, 10, 100.5, 1234.5, 1e5, 1e6 + 0.5]
    gammaincc = [(0.5, 0.01), (0.5, 1), (0.5, 12.5), (0.5, 200), (0.5, 720), (1, 3), (2.5, 0.7), (10, 9), (10, 30), (500, 480), (500, 560)]
    norm_cdf = [-38, -30, -20, -8, -5, -3, -1.96, -1, -0.1, 0, 0.1, 1, 1.96, 3, 5, 8]
    norm_ppf = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.0125, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 0.975, 0.99, 0.999, 0.99999]
    betainc = [
        (0.3, 2, 5), (0.5, 1, 1), (0.01, 0.5, 0.5), (0.99, 0.5, 0.5), (0.2, 3.5, 1.25), (0.6, 30, 20),
        (0.05, 51, 951), (0.065, 51, 951), (0.05, 501, 9501), (0.0515, 651, 9351), (0.04, 501, 9501),
        (0.051, 20001, 380001), (0.0495, 20001, 380001), (1e-4, 1, 1001), (0.999, 1000, 2),
    ]
    return {
        'gammaln': [{'x': x, 'value': float(special.gammaln(x))} for x in gammaln],
        'gammaincc': [{'a': a, 'x': x, 'value': float(special.gammaincc(a, x))} for a, x in gammaincc],
        'norm_cdf': [{'x': x, 'value': float(stats.norm.cdf(x))} for x in norm_cdf],
        'norm_ppf': [{'p': p, 'value': float(stats.norm.ppf(p))} for p in norm_ppf],
        'betainc': [{'x': x, 'a': a, 'b': b, 'value': float(special.betainc(a, b, x)), 'precise': betainc_precise(x, a, b)} for x, a, b in betainc],
    }


# ----------------------------------------------------------- intervals ----

def wilson(x, n, level):
    ci = stats.binomtest(x, n).proportion_ci(confidence_level=level, method='wilson')
    return float(ci.low), float(ci.high)


def newcombe(x1, n1, x2, n2, level):
    """Newcombe (1998) method 10 for p1 - p2, from the two Wilson intervals."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, level)
    l2, u2 = wilson(x2, n2, level)
    d = p1 - p2
    return d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def make_intervals():
    rates = [(0, 1), (0, 10), (1, 10), (3, 10), (10, 10), (5, 100), (50, 1000), (500, 10000), (650, 10000), (9999, 10000), (1, 100000)]
    pairs = [(65, 1000, 50, 1000), (650, 10000, 500, 10000), (3, 40, 1, 35), (0, 200, 4, 210), (12, 12, 7, 10), (480, 9600, 520, 10400), (7, 150, 70, 1500)]
    levels = [0.9, 0.95, 0.99]
    out = {'wilson': [], 'newcombe': [], 'katz': []}
    for level in levels:
        for x, n in rates:
            lo, hi = wilson(x, n, level)
            out['wilson'].append({'conversions': x, 'exposures': n, 'level': level, 'lower': lo, 'upper': hi})
        for x1, n1, x2, n2 in pairs:
            d, lo, hi = newcombe(x1, n1, x2, n2, level)
            out['newcombe'].append({'treatment': [x1, n1], 'control': [x2, n2], 'level': level, 'estimate': d, 'lower': lo, 'upper': hi})
            if x1 > 0 and x2 > 0:
                rr = relative_risk(x1, n1, x2, n2)
                ci = rr.confidence_interval(confidence_level=level)
                out['katz'].append({'treatment': [x1, n1], 'control': [x2, n2], 'level': level,
                                    'estimate': float(rr.relative_risk) - 1, 'lower': float(ci.low) - 1, 'upper': float(ci.high) - 1})
    return out


# ---------------------------------------------------------------- beta ----

def p_beats_quad(at, bt, ac, bc):
    """P(T > C) = integral of f_C(x) * P(T > x) dx, split where C's mass lies."""
    dist_c = stats.beta(ac, bc)
    lo, hi = dist_c.ppf(1e-15), dist_c.isf(1e-15)
    points = list(dist_c.ppf([1e-9, 1e-6, 1e-3, 0.1, 0.5, 0.9, 0.999, 1 - 1e-6, 1 - 1e-9]))
    f = lambda x: dist_c.pdf(x) * stats.beta.sf(x, at, bt)
    body, err = integrate.quad(f, lo, hi, points=points, epsabs=1e-14, epsrel=1e-13, limit=1000)
    tails = dist_c.cdf(lo) * stats.beta.sf(lo / 2, at, bt) + dist_c.sf(hi) * stats.beta.sf((hi + 1) / 2, at, bt)
    return body + tails, err


def p_beats_exact(at, bt, ac, bc):
    """Closed form for whole alpha of T, summed with mpmath at 30 digits (in doubles
    its terms lose 1e-9 at 400,000 exposures): the sum over i < at of
    B(ac + i, bc + bt) / ((bt + i) B(1 + i, bt) B(ac, bc))."""
    mp.mp.dps = 30
    log_b_c = mp.log(mp.beta(ac, bc))
    total = mp.fsum(mp.exp(mp.log(mp.beta(ac + i, bc + bt)) - mp.log(bt + i) - mp.log(mp.beta(1 + i, bt)) - log_b_c) for i in range(int(at)))
    return float(total)


def make_beta():
    cases = [
        ((0, 0), (0, 0), (1, 1)),
        ((1, 10), (0, 10), (1, 1)),
        ((5, 100), (3, 100), (1, 1)),
        ((65, 1000), (50, 1000), (1, 1)),
        ((650, 10000), (500, 10000), (1, 1)),
        ((520, 10000), (500, 10000), (1, 1)),
        ((6, 100), (500, 10000), (1, 1)),
        ((500, 10000), (6, 100), (1, 1)),
        ((0, 1000), (0, 1000), (1, 1)),
        ((999, 1000), (1000, 1000), (1, 1)),
        ((20400, 400000), (20000, 400000), (1, 1)),
        ((3, 40), (1, 35), (0.5, 0.5)),
        ((0, 50), (2, 50), (0.5, 0.5)),
        ((40, 800), (35, 820), (2, 38)),
    ]
    out = []
    for (xt, nt), (xc, nc), (pa, pb) in cases:
        at, bt, ac, bc = pa + xt, pb + nt - xt, pa + xc, pb + nc - xc
        value, err = p_beats_quad(at, bt, ac, bc)
        entry = {'treatment': [xt, nt], 'control': [xc, nc], 'prior': [pa, pb], 'value': value, 'quad_error': err}
        if float(at).is_integer():
            exact = p_beats_exact(at, bt, ac, bc)
            assert abs(exact - value) < 1e-11, (entry, exact)
            entry['exact_sum'] = exact
        out.append(entry)
    return out


# --------------------------------------------------------------- mSPRT ----

def log_mixture_lr(estimate, variance, tau, theta0):
    """ln of the integral over theta ~ N(theta0, tau^2) of L(theta) / L(theta0), L the normal likelihood."""
    sd = math.sqrt(variance)
    log_ratio = lambda th: (-(estimate - th) ** 2 + (estimate - theta0) ** 2) / (2 * variance)
    # Factor out the integrand's peak so that the quadrature sees numbers near 1.
    peak_theta = (estimate * tau ** 2 + theta0 * variance) / (tau ** 2 + variance)
    shift = log_ratio(peak_theta) + stats.norm.logpdf(peak_theta, theta0, tau)
    f = lambda th: math.exp(log_ratio(th) + stats.norm.logpdf(th, theta0, tau) - shift)
    post_sd = math.sqrt(1 / (1 / variance + 1 / tau ** 2))
    width = 40 * post_sd
    value, _ = integrate.quad(f, peak_theta - width, peak_theta + width, points=[peak_theta], epsabs=0, epsrel=1e-13, limit=500)
    return math.log(value) + shift


def smoothed_variance(x, n):
    p = (x + 1) / (n + 2)
    return p * (1 - p) / n


def make_msprt():
    cases = [
        (0.015, 1.083e-5, 0.01, 0.05),
        (0.0, 1.083e-5, 0.01, 0.05),
        (-0.004, 2.5e-6, 0.01, 0.05),
        (0.02, 4e-4, 0.01, 0.05),
        (0.02, 4e-4, 0.05, 0.05),
        (0.003, 1e-6, 0.002, 0.025),
        (0.01, 1e-5, 0.01, 0.01),
    ]
    counts = [((650, 10000), (500, 10000)), ((65, 1000), (50, 1000)), ((30, 400), (31, 410)), ((0, 300), (0, 300)), ((120, 1500), (300, 6000))]
    for (xt, nt), (xc, nc) in counts:
        cases.append((xt / nt - xc / nc, smoothed_variance(xt, nt) + smoothed_variance(xc, nc), 0.01, 0.05))
    out = []
    for estimate, variance, tau, alpha in cases:
        log_lr0 = log_mixture_lr(estimate, variance, tau, 0.0)
        target = math.log(1 / alpha)
        g = lambda th0: log_mixture_lr(estimate, variance, tau, th0) - target
        # The mixture ratio grows with |estimate - theta0|: bracket each bound and solve.
        span = 100 * math.sqrt(variance)
        upper = optimize.brentq(g, estimate, estimate + span, xtol=1e-15, rtol=1e-14)
        lower = optimize.brentq(g, estimate - span, estimate, xtol=1e-15, rtol=1e-14)
        out.append({
            'estimate': estimate, 'variance': variance, 'mixing_sd': tau, 'alpha': alpha,
            'log_lr_at_zero': log_lr0, 'p_value': min(1.0, math.exp(-log_lr0)),
            'lower': lower, 'upper': upper, 'z_boundary': (upper - estimate) / math.sqrt(variance),
        })
    return {'cases': out, 'counts': [{'treatment': list(t), 'control': list(c)} for t, c in counts]}


# ---------------------------------------------------------- assignment ----

def point(experiment_id, session_id):
    digest = hashlib.sha256((experiment_id + '\0' + session_id).encode('utf8')).digest()
    return int.from_bytes(digest[:6], 'big') / 2 ** 48


def weighted_index(weights, u):
    """The variant whose share of [0, 1) holds u, with the same float steps as the TypeScript."""
    rest = u * sum(weights)
    for i, w in enumerate(weights):
        rest -= w
        if rest < 0:
            return i
    return max(i for i, w in enumerate(weights) if w > 0)


def make_assignment():
    pairs = [('exp-1', 'session-1'), ('exp-1', 'session-2'), ('exp-2', 'session-1'), ('checkout-copy', 'a8f5f167f44f4964e6c998dee827110c'),
             ('tone-test', 'Ünïcødé sessïon ✓'), ('x', 'y'), ('ab', 'c'), ('a', 'bc')]
    pairs += [('spring-dresses', f's{i:04d}') for i in range(24)]
    weights = [[1, 1], [50, 50], [0.9, 0.1], [1, 2, 3], [0, 1, 1], [0.2, 0.3, 0.5]]
    out = []
    for e, s in pairs:
        u = point(e, s)
        out.append({'experiment': e, 'session': s, 'point': u, 'indices': [weighted_index(w, u) for w in weights]})
    return {'weights': weights, 'pairs': out}


if __name__ == '__main__':
    write('special.json', make_special())
    write('intervals.json', make_intervals())
    write('beta.json', make_beta())
    write('msprt.json', make_msprt())
    write('assignment.json', make_assignment())
