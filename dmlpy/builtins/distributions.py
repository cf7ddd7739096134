"""Probability distributions: cdf/icdf and the p*/q* shorthands for the normal, Student t,
F, chi-squared and exponential distributions (scalar arguments, as in SystemDS).

The special functions are implemented here (no scipy): the normal cdf through math.erfc,
regularized incomplete gamma (series / continued fraction) and beta (continued fraction)
functions, and inverses by Newton/Halley steps safeguarded with bisection.
SystemDS computes upper tails as 1 - cdf, and so does this module.
"""
from __future__ import annotations

import math

from .. import types as T
from ..errors import OpError
from ..runtime.values import type_name

from .registry import builtin

_EPS = 1e-16
_TINY = 1e-300
_SQRT2 = math.sqrt(2.0)


def _r_dist(types, args):
    from ..errors import RuleError
    if types and types[0].dt not in (T.SCALAR, T.UNKNOWN_DT):
        raise RuleError("target must be provided for distribution functions, and it must be a "
                        "scalar value")
    return T.DOUBLE


def _num(v, fn, what):
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            pass
    raise OpError(f"{fn}() expects a number as {what}, got a {type_name(v)}")


def _df(v, fn, what="df"):
    """Degrees of freedom: SystemDS reads them as integers (truncating)."""
    if v is None:
        raise OpError(f"{fn}(): the degrees of freedom '{what}' must be given")
    d = _num(v, fn, what)
    if d != d or math.isinf(d):
        raise OpError(f"{fn}(): invalid degrees of freedom {what}={d}")
    d = float(int(d))
    if d <= 0:
        raise OpError(f"{fn}(): the degrees of freedom must be positive ({what}={int(d)})")
    return d


# ------------------------------------------------------------------ special functions
def _gamma_p(a, x):
    """Regularized lower incomplete gamma P(a, x)."""
    if x <= 0:
        return 0.0
    if math.isinf(x):
        return 1.0
    if x < a + 1:
        return _gamma_series(a, x)
    return 1.0 - _gamma_cf(a, x)


def _gamma_q(a, x):
    if x <= 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    if x < a + 1:
        return 1.0 - _gamma_series(a, x)
    return _gamma_cf(a, x)


def _gamma_series(a, x):
    term = 1.0 / a
    total = term
    ap = a
    for _ in range(100000):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return min(1.0, total * math.exp(-x + a * math.log(x) - math.lgamma(a)))


def _gamma_cf(a, x):
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b if b != 0 else 1.0 / _TINY
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def _beta_cf(a, b, x):
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _TINY:
        d = _TINY
    d = 1.0 / d
    h = d
    for m in range(1, 100000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _beta_i(x, a, b, y=None):
    """Regularized incomplete beta I_x(a, b); y = 1 - x when the caller knows it exactly."""
    if y is None:
        y = 1.0 - x
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    lbt = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
           + a * math.log(x) + b * math.log(y))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * _beta_cf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _beta_cf(b, a, y) / b


# ------------------------------------------------------------------ distributions
def _norm_cdf(x, mean, sd):
    dev = x - mean
    if abs(dev) > 40 * sd:
        return 0.0 if dev < 0 else 1.0
    return 0.5 * math.erfc(-dev / (sd * _SQRT2))


def _norm_pdf(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _std_norm_inv(p):
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    if p == 0.5:
        return 0.0
    q = min(p, 1.0 - p)
    t = math.sqrt(-2.0 * math.log(q))
    z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (
        1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t)
    if p < 0.5:
        z = -z
    for _ in range(50):
        # Halley steps on the tail where the cdf is computed accurately
        if z < 0:
            f = 0.5 * math.erfc(-z / _SQRT2) - p
        else:
            f = (1.0 - p) - 0.5 * math.erfc(z / _SQRT2)
        dens = _norm_pdf(z)
        if dens == 0:
            break
        u = f / dens
        step = u / (1.0 + 0.5 * z * u)
        z -= step
        if abs(step) <= 1e-15 * max(1.0, abs(z)):
            break
    return z


def _t_lower(x, df):
    """P(T <= x) for x <= 0, accurate in the tail."""
    if math.isinf(x):
        return 0.0
    x2 = x * x
    tail = 0.5 * _beta_i(df / (df + x2), 0.5 * df, 0.5, x2 / (df + x2))
    if tail > 0.25:
        # near the centre: 1/2 minus a small incomplete beta, without cancellation
        return 0.5 - 0.5 * _beta_i(x2 / (df + x2), 0.5, 0.5 * df, df / (df + x2))
    return tail


def _t_cdf(x, df):
    if x == 0:
        return 0.5
    if x < 0:
        return _t_lower(x, df)
    return 1.0 - _t_lower(-x, df)


def _f_cdf(x, d1, d2):
    if x <= 0:
        return 0.0
    if math.isinf(x):
        return 1.0
    return _beta_i(d1 * x / (d1 * x + d2), 0.5 * d1, 0.5 * d2, d2 / (d1 * x + d2))


def _f_upper(x, d1, d2):
    if x <= 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    return _beta_i(d2 / (d1 * x + d2), 0.5 * d2, 0.5 * d1, d1 * x / (d1 * x + d2))


def _chisq_cdf(x, df):
    return _gamma_p(0.5 * df, 0.5 * x)


def _exp_cdf(x, rate):
    if x <= 0:
        return 0.0
    return 1.0 - math.exp(-x / (1.0 / rate))


def _invert(cdf, p, lo, hi, x0=None):
    """Solve cdf(x) = p on (lo, hi) by bisection with secant/Newton-free acceleration."""
    # bracket
    if math.isinf(lo) or math.isinf(hi):
        a, b = (-1.0, 1.0) if math.isinf(lo) else (lo, max(lo + 1.0, 1.0))
        while math.isinf(lo) and cdf(a) > p:
            b, a = a, a * 2.0
        while cdf(b) < p:
            a, b = b, b * 2.0
            if b > 1e300:
                return math.inf
        lo, hi = a, b
    flo, fhi = cdf(lo) - p, cdf(hi) - p
    a, b = lo, hi
    for _ in range(400):
        # regula falsi (Illinois) step, falling back to bisection
        m = 0.5 * (a + b)
        if fhi != flo:
            s = b - fhi * (b - a) / (fhi - flo)
            if a < s < b:
                m = s
        fm = cdf(m) - p
        if fm == 0:
            return m
        if (fm < 0) == (flo < 0):
            a, flo = m, fm
            fhi *= 0.5
        else:
            b, fhi = m, fm
            flo *= 0.5
        if b - a <= 4 * _EPS * max(abs(a), abs(b)) or b - a < 1e-300:
            break
    return 0.5 * (a + b) if abs(flo) == abs(fhi) else (a if abs(flo) < abs(fhi) else b)


def _invert_tails(lower, upper, p, lo):
    """Solve lower(x) = p, through the upper tail (upper(x) = 1 - p) when p > 1/2."""
    if p <= 0.5:
        return _invert(lower, p, lo, math.inf)
    return _invert(lambda v: -upper(v), -(1.0 - p), lo, math.inf)


def _check_p(p, fn):
    if not (0.0 <= p <= 1.0):
        raise OpError(f"{fn}(): the probability {p} is outside [0, 1]")


def _compute(fn, dist, x, mean, sd, df, df1, df2, rate, lower, inverse):
    dist = str(dist).lower() if dist is not None else None
    x = _num(x, fn, "target")
    if dist == "normal":
        mean = _num(mean, fn, "mean")
        sd = _num(sd, fn, "sd")
        if not sd > 0:
            raise OpError(f"{fn}(): the standard deviation of a normal distribution must be "
                          f"positive ({sd})")
        if inverse:
            _check_p(x, fn)
            return mean + sd * _std_norm_inv(x)
        c = _norm_cdf(x, mean, sd)
    elif dist == "exp":
        rate = _num(rate, fn, "rate")
        if not rate > 0:
            raise OpError(f"{fn}(): the rate of an exponential distribution must be positive ({rate})")
        if inverse:
            _check_p(x, fn)
            if x == 1.0:
                return math.inf
            return -(1.0 / rate) * math.log(1.0 - x)
        c = _exp_cdf(x, rate)
    elif dist == "chisq":
        k = _df(df, fn)
        if inverse:
            _check_p(x, fn)
            if x == 0:
                return 0.0
            if x == 1:
                return math.inf
            return _invert_tails(lambda v: _chisq_cdf(v, k),
                                 lambda v: _gamma_q(0.5 * k, 0.5 * v), x, 0.0)
        c = _chisq_cdf(x, k)
    elif dist == "f":
        d1, d2 = _df(df1, fn, "df1"), _df(df2, fn, "df2")
        if inverse:
            _check_p(x, fn)
            if x == 0:
                return 0.0
            if x == 1:
                return math.inf
            return _invert_tails(lambda v: _f_cdf(v, d1, d2),
                                 lambda v: _f_upper(v, d1, d2), x, 0.0)
        if x > 0 and math.isinf(d1 * x):
            # SystemDS (Commons Math) evaluates I_{d1 x / (d2 + d1 x)}: inf / inf is NaN there,
            # so pf(+Inf) and pf of a target whose d1 * target overflows are NaN, either tail
            return math.nan
        c = _f_cdf(x, d1, d2)
    elif dist == "t":
        k = _df(df, fn)
        if inverse:
            _check_p(x, fn)
            if x == 0:
                return -math.inf
            if x == 1:
                return math.inf
            if x == 0.5:
                return 0.0
            if x < 0.5:
                return -_invert(lambda v: -_t_lower(-v, k), -x, 0.0, math.inf)
            return _invert(lambda v: -_t_lower(-v, k), -(1.0 - x), 0.0, math.inf)
        c = _t_cdf(x, k)
    else:
        raise OpError(f"{fn}(): unsupported distribution {dist!r}; expected \"normal\", \"t\", "
                      "\"chisq\", \"f\" or \"exp\"")
    if lower is None or bool(lower):
        return c
    return 1.0 - c


_ALL = "target, dist, mean=0.0, sd=1.0, df=?, df1=?, df2=?, rate=1.0"


@builtin("cdf", _ALL + ", lower.tail=TRUE", rule=_r_dist)
def cdf(target, dist, mean, sd, df, df1, df2, rate, lower):
    """P(X <= target) for the distribution `dist` (or the upper tail with lower.tail=FALSE)."""
    return _compute("cdf", dist, target, mean, sd, df, df1, df2, rate, lower, False)


@builtin("icdf", _ALL, rule=_r_dist)
def icdf(target, dist, mean, sd, df, df1, df2, rate):
    """The quantile x with P(X <= x) = target for the distribution `dist`."""
    return _compute("icdf", dist, target, mean, sd, df, df1, df2, rate, True, True)


@builtin("pnorm", "target, mean=0.0, sd=1.0, lower.tail=TRUE", rule=_r_dist)
def pnorm(target, mean, sd, lower):
    return _compute("pnorm", "normal", target, mean, sd, None, None, None, 1.0, lower, False)


@builtin("qnorm", "target, mean=0.0, sd=1.0", rule=_r_dist)
def qnorm(target, mean, sd):
    return _compute("qnorm", "normal", target, mean, sd, None, None, None, 1.0, True, True)


@builtin("pt", "target, df, lower.tail=TRUE", rule=_r_dist)
def pt(target, df, lower):
    return _compute("pt", "t", target, 0.0, 1.0, df, None, None, 1.0, lower, False)


@builtin("qt", "target, df", rule=_r_dist)
def qt(target, df):
    return _compute("qt", "t", target, 0.0, 1.0, df, None, None, 1.0, True, True)


@builtin("pf", "target, df1, df2, lower.tail=TRUE", rule=_r_dist)
def pf(target, df1, df2, lower):
    return _compute("pf", "f", target, 0.0, 1.0, None, df1, df2, 1.0, lower, False)


@builtin("qf", "target, df1, df2", rule=_r_dist)
def qf(target, df1, df2):
    return _compute("qf", "f", target, 0.0, 1.0, None, df1, df2, 1.0, True, True)


@builtin("pchisq", "target, df, lower.tail=TRUE", rule=_r_dist)
def pchisq(target, df, lower):
    return _compute("pchisq", "chisq", target, 0.0, 1.0, df, None, None, 1.0, lower, False)


@builtin("qchisq", "target, df", rule=_r_dist)
def qchisq(target, df):
    return _compute("qchisq", "chisq", target, 0.0, 1.0, df, None, None, 1.0, True, True)


@builtin("pexp", "target, rate=1.0, lower.tail=TRUE", rule=_r_dist)
def pexp(target, rate, lower):
    return _compute("pexp", "exp", target, 0.0, 1.0, None, None, None, rate, lower, False)


@builtin("qexp", "target, rate=1.0", rule=_r_dist)
def qexp(target, rate):
    return _compute("qexp", "exp", target, 0.0, 1.0, None, None, None, rate, True, True)
