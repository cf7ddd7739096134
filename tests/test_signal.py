"""fft / ifft / fft_linearized / ifft_linearized / stft / einsum / evalList.

Expected values were recorded with the reference, Apache SystemDS 3.4.0 (`sysds -f`); the
Fourier results are compared bit for bit (written by SystemDS as CSV with full precision).
"""
import numpy as np
import pytest

from dmlpy.builtins import signal as S
from dmlpy.errors import OpError

X24 = np.arange(1, 9, dtype=float).reshape(2, 4)


def test_fft_bit_exact_small():
    a, b = S.fft(X24)
    assert a.tolist() == [[36.0, -4.0, -4.0, -3.9999999999999996], [-16.0, 0.0, 0.0, 0.0]]
    assert b.tolist() == [[0.0, 4.0, 0.0, -4.0], [0.0, 0.0, 0.0, 0.0]]
    c, d = S.ifft(a, b)
    assert c.tolist() == X24.tolist()
    assert d.tolist() == [[0.0, 5.721188726109833e-18, 0.0, -5.721188726109833e-18]] * 2
    e, f = S.ifft(X24)
    assert e.tolist() == [[4.5, -0.5, -0.5, -0.49999999999999994], [-2.0, 0.0, 0.0, 0.0]]
    assert f.tolist() == [[0.0, -0.5, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0]]


def test_fft_4x4_and_linearized(dml_out):
    out = dml_out('Y = matrix("1 -2 0.5 4 2 2 1 0 3 1 -1 2 0 0 1 7", rows=4, cols=4)\n'
                  '[a, b] = fft(Y)\nprint(toString(a, decimal=15))\n'
                  '[r4, i4] = fft_linearized(matrix("1 2 3 4 5 6 7 8", rows=2, cols=4))\n'
                  'print(toString(r4, decimal=15))\nprint(toString(i4, decimal=15))\n'
                  '[r5, i5] = ifft_linearized(r4, i4)\nprint(toString(r5, decimal=15))\n'
                  '[z1, z2] = fft(matrix(0, rows=2, cols=2))\nprint(sum(abs(z1)) + sum(abs(z2)))\n'
                  '[s1, s2] = fft(matrix(3, rows=1, cols=1))\nprint(as.scalar(s1) + as.scalar(s2))\n')
    assert out == (
        "21.500000000000000 4.500000000000000 -6.500000000000000 4.500000000000000\n"
        "-1.500000000000000 -12.500000000000000 0.500000000000000 5.500000000000000\n"
        "-4.500000000000000 4.500000000000000 3.500000000000000 4.500000000000000\n"
        "-1.500000000000000 5.500000000000000 0.500000000000000 -12.500000000000000\n\n"
        "10.000000000000000 -2.000000000000000 -2.000000000000000 -2.000000000000000\n"
        "26.000000000000000 -2.000000000000000 -2.000000000000000 -2.000000000000000\n\n"
        "0.000000000000000 2.000000000000000 0.000000000000000 -2.000000000000000\n"
        "0.000000000000000 2.000000000000000 0.000000000000000 -2.000000000000000\n\n"
        "1.000000000000000 2.000000000000000 3.000000000000000 4.000000000000000\n"
        "5.000000000000000 6.000000000000000 7.000000000000000 8.000000000000000\n\n"
        "0.0\n3.0\n")


def test_fft_random_matches_numpy_and_roundtrips():
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, (16, 32))
    a, b = S.fft(X)
    ref = np.fft.fft2(X)
    assert np.allclose(a, ref.real, atol=1e-12) and np.allclose(b, ref.imag, atol=1e-12)
    c, d = S.ifft(a, b)
    assert np.allclose(c, X, atol=1e-14) and np.allclose(d, 0, atol=1e-14)
    e, f = S.fft_linearized(X[:3])
    ref = np.fft.fft(X[:3], axis=1)
    assert np.allclose(e, ref.real, atol=1e-12) and np.allclose(f, ref.imag, atol=1e-12)


def test_fft_errors(dml):
    out, err, rc = dml('X = rand(rows=3, cols=4, seed=1)\n[re, im] = fft(X)\nprint(sum(re))\n')
    assert rc != 0 and "only defined for matrices with dimensions that are powers of 2" in err
    out, err, rc = dml('X = rand(rows=3, cols=6, seed=1)\n[re, im] = fft_linearized(X)\nprint(sum(re))\n')
    assert rc != 0 and "columns that are powers of 2" in err
    with pytest.raises(OpError, match="different dimensions"):
        S.ifft(X24, np.zeros((2, 2)))


def test_stft():
    # SystemDS 3.4 validates stft but its runtime fails (NullPointerException); these are the
    # results its LibMatrixSTFT kernel defines: frames of 4 starting every 2 values, zero-padded
    x = np.arange(1, 12, dtype=float).reshape(1, 11)
    re, im = S.stft(x, 4, 2)       # frames start at 0, 2, 4, 6, 8; the last one is padded
    frames = [list(x[0, k:k + 4]) + [0.0] * (4 - len(x[0, k:k + 4])) for k in (0, 2, 4, 6, 8)]
    ref = np.fft.fft(np.array(frames), axis=1).reshape(1, 20)
    assert re.shape == (1, 20) and np.allclose(re, ref.real) and np.allclose(im, ref.imag)
    assert re[0, :4].tolist() == [10.0, -2.0, -2.0, -1.9999999999999998]
    r2, i2 = S.stft(x, x * 0.5, 4, 1)
    assert r2.shape == (1, 16) and np.allclose(r2[0, :4] + 1j * i2[0, :4], np.fft.fft([1, 2, 3, 4]) * (1 + 0.5j))
    with pytest.raises(OpError, match="not a power of two"):
        S.stft(np.ones((1, 8)), 3, 1)
    with pytest.raises(OpError, match="Overlap can't be larger"):
        S.stft(np.ones((1, 8)), 4, 4)


EINSUM = '''A = matrix("1 2 3 4 5 6", rows=2, cols=3)
B = matrix("1 0 2 1 -1 3 2 2 0 1 1 1", rows=3, cols=4)
C = matrix("1 2 3 4 5 6 7 8 9", rows=3, cols=3)
v = matrix("1 2 3", rows=3, cols=1)
w = matrix("2 1 -1", rows=3, cols=1)
print(toString(einsum("ij,jk->ik", A, B)))
print(toString(einsum("ij->ji", A)))
print(einsum("ij->", A))
print(toString(einsum("ii->i", C)))
print(einsum("ii->", C))
print(einsum("i,i->", v, w))
print(toString(einsum("i,j->ij", v, w)))
print(toString(einsum("ij,ij->ij", A, A)))
print(toString(einsum("ij->i", A)))
print(toString(einsum("ij->j", A)))
print(toString(einsum("ij,j->i", C, v)))
print(toString(einsum("ij,jk,kl->il", A, B, t(B))))
print(toString(einsum("ij,kj->ik", A, C)))
print(toString(einsum("ij,jk->ki", A, B)))
print(toString(einsum("ij,jk->", A, B)))
'''


def test_einsum(dml_out):
    assert dml_out(EINSUM) == (
        "-1.000 9.000 9.000 8.000\n-1.000 21.000 24.000 20.000\n\n"
        "1.000 4.000\n2.000 5.000\n3.000 6.000\n\n21.0\n1.000\n5.000\n9.000\n\n15.0\n1.0\n"
        "2.000 1.000 -1.000\n4.000 2.000 -2.000\n6.000 3.000 -3.000\n\n"
        "1.000 4.000 9.000\n16.000 25.000 36.000\n\n6.000\n15.000\n\n5.000\n7.000\n9.000\n\n"
        "14.000\n32.000\n50.000\n\n25.000 62.000 26.000\n67.000 152.000 65.000\n\n"
        "14.000 32.000 50.000\n32.000 77.000 122.000\n\n"
        "-1.000 -1.000\n9.000 21.000\n9.000 24.000\n8.000 20.000\n\n89.0\n")


def test_einsum_errors():
    A = np.ones((2, 3))
    with pytest.raises(OpError, match="expected to be dim"):
        S.einsum("ij,ij->ij", A, np.ones((3, 2)))
    with pytest.raises(OpError, match="missing '->'"):
        S.einsum("ij", A)
    with pytest.raises(OpError, match="no. dims > 2"):
        S.einsum("ij->iji", A)
    with pytest.raises(OpError, match="less operands"):
        S.einsum("ij,jk->ik", A)


def test_eval_list(dml_out):
    out = dml_out('f = function(Matrix[Double] X, Double s) return (Matrix[Double] A, Double b) '
                  '{ A = X * s; b = sum(X) }\n'
                  'X = matrix("1 2 3 4", rows=2, cols=2)\n'
                  'L = evalList("f", list(X, 3))\nprint(toString(L))\nprint(length(L))\n'
                  'L2 = evalList("f", list(s=2, X=X))\nprint(as.scalar(L2[2]))\n')
    # SystemDS prints the same list; its elements are also named A and b (see the report)
    assert out == ("List containing:\n[\nMatrix:\n3.000 6.000\n9.000 12.000\n, 10.0]\n2\n10.0\n")
