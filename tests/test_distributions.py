"""Distribution builtins: values recorded from SystemDS 3.4, cross-checked with scipy."""
import math

import pytest

from dmlpy.builtins import distributions as D

# (call, SystemDS output); p-functions agree to ~1 ulp, q-functions of t/F/chisq to ~1e-9
# (SystemDS inverts with a solver of absolute accuracy 1e-9; dmlpy is more accurate).
CASES = [
    ("pnorm(target=1.96)", 0.9750021048517796),
    ("pnorm(target=1, mean=2, sd=3)", 0.36944134018176367),
    ("pnorm(target=1.96, lower.tail=FALSE)", 0.024997895148220373),
    ("qnorm(target=0.975)", 1.959963984540054),
    ("qnorm(target=0.3, mean=1, sd=2)", -0.04880102541608178),
    ("pt(target=2.0, df=5)", 0.9490302605850709),
    ("pt(target=-1.5, df=3, lower.tail=FALSE)", 0.8847080673775887),
    ("qt(target=0.975, df=10)", 2.228138851986303),
    ("pf(target=2.5, df1=3, df2=10)", 0.8809604373417216),
    ("qf(target=0.95, df1=3, df2=10)", 3.708264819047024),
    ("pchisq(target=3.84, df=1)", 0.9499564787512956),
    ("qchisq(target=0.95, df=4)", 9.487729036781978),
    ("pexp(target=2, rate=0.5)", 0.6321205588285577),
    ("qexp(target=0.5, rate=2)", 0.34657359027997264),
    ('cdf(target=1.0, dist="normal")', 0.841344746068543),
    ('icdf(target=0.1, dist="t", df=7)', -1.4149239276452403),
    ('cdf(target=1.0, dist="chisq", df=3)', 0.1987480430987992),
    ('icdf(target=0.9, dist="f", df1=2, df2=20)', 2.589254118252918),
    ('cdf(target=1.0, dist="exp")', 0.6321205588285577),
    ('icdf(target=0.99, dist="chisq", df=30)', 50.89218131151976),
    ("qt(target=0.999999, df=1)", 318309.8861828417),
    ("pt(target=0.5, df=2.7)", 0.6666666666666666),   # df is truncated to an integer
]


@pytest.mark.parametrize("call,expected", CASES)
def test_recorded(dml_out, call, expected):
    got = float(dml_out(f"print({call})"))
    assert got == pytest.approx(expected, rel=1e-8)


def test_special_values(dml_out):
    out = dml_out("print(pnorm(target=-40))\nprint(qnorm(target=0))\nprint(qnorm(target=1))\n")
    assert out.split() == ["0.0", "-Infinity", "Infinity"]


def test_pf_of_infinity_is_nan(dml_out):
    # recorded from SystemDS 3.4 (Commons Math: d1*x / (d2 + d1*x) is inf/inf there); the
    # other p-functions keep their limits, and pf of a target whose d1*x overflows is NaN too
    out = dml_out("inf = 1/0\nprint(pf(target=inf, df1=1, df2=5) + \" \" + "
                  "pf(target=inf, df1=3, df2=5, lower.tail=FALSE) + \" \" + "
                  "pf(target=-inf, df1=3, df2=5))\n"
                  "print(pt(target=inf, df=5) + \" \" + pnorm(target=inf) + \" \" + pexp(target=inf))\n"
                  "print(pf(target=1e300, df1=3, df2=5) + \" \" + pf(target=1e308*10, df1=3, df2=5))\n")
    assert out.split() == ["NaN", "NaN", "0.0", "1.0", "1.0", "1.0", "1.0", "NaN"]


def test_errors(dml):
    for script in ['print(pnorm(target=1, sd=-1))', 'print(qnorm(target=1.5))',
                   'print(cdf(target=1, dist="gamma"))', 'print(pt(target=1, df=0))',
                   'print(pnorm(target=matrix(1, rows=2, cols=2)))',
                   'print(qnorm(target=0.5, lower.tail=FALSE))']:
        out, err, rc = dml(script)
        assert rc != 0, script


def test_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    for x in [-30.0, -7.5, -1.0, -1e-6, 0.0, 0.3, 2.5, 9.0]:
        assert D.pnorm(x, 0.0, 1.0, True) == pytest.approx(stats.norm.cdf(x), rel=1e-12, abs=1e-300)
        for df in (1, 3, 10, 100, 1000):
            # df=1 is the Cauchy distribution, whose closed form is more accurate than scipy near 0
            ref = 0.5 + math.atan(x) / math.pi if df == 1 else stats.t.cdf(x, df)
            assert D.pt(x, df, True) == pytest.approx(ref, rel=1e-11, abs=1e-300)
            if x > 0:
                assert D.pchisq(x, df, True) == pytest.approx(stats.chi2.cdf(x, df), rel=1e-11)
                assert D.pf(x, df, 7, True) == pytest.approx(stats.f.cdf(x, df, 7), rel=1e-11)
    for p in (1e-12, 1e-5, 0.01, 0.3, 0.5, 0.8, 0.99, 1 - 1e-9):
        assert D.qnorm(p, 0.0, 1.0) == pytest.approx(stats.norm.ppf(p), rel=1e-12, abs=1e-15)
        for df in (1, 4, 30):
            assert D.qt(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-11, abs=1e-14)
            assert D.qchisq(p, df) == pytest.approx(stats.chi2.ppf(p, df), rel=1e-11)
            assert D.qf(p, df, 9) == pytest.approx(stats.f.ppf(p, df, 9), rel=1e-11)
    assert math.isinf(D.qchisq(1.0, 3))
