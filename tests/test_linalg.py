"""Linear algebra builtins; expected outputs recorded from SystemDS 3.4."""
import numpy as np
import pytest


def test_factorizations(dml_out):
    out = dml_out('''A = matrix("4 1 2 1 3 0 2 0 5", rows=3, cols=3)
[U, S, W] = svd(matrix("1 2 3 4 5 6", rows=3, cols=2))
print(toString(U, decimal=10))
print(toString(S, decimal=10))
print(toString(W, decimal=10))
[U, S, W] = svd(matrix("1 2 3 4 5 6", rows=2, cols=3))
print(toString(U, decimal=10))
print(toString(S, decimal=10))
print(toString(W, decimal=10))
[H, R] = qr(matrix("1 2 3 4 5 6", rows=3, cols=2))
print(toString(H, decimal=10))
print(toString(R, decimal=10))
[H, R] = qr(matrix("1 2 3 4 5 6", rows=2, cols=3))
print(toString(H, decimal=10))
print(toString(R, decimal=10))
[P, L, U] = lu(matrix("1 2 3 4 5 6 7 8 10", rows=3, cols=3))
print(toString(P, decimal=10))
print(toString(L, decimal=10))
print(toString(U, decimal=10))
print(toString(cholesky(A), decimal=10))
print(det(matrix("1 2 3 4 5 6 7 8 10", rows=3, cols=3)))
print(det(matrix("1 2 3 4 5 6 7 8 9", rows=3, cols=3)))
print(toString(inv(matrix("1 2 3 4 5 6 7 8 10", rows=3, cols=3)), decimal=10))
print(toString(solve(matrix("1 2 3 4 5 6 7 8 10", rows=3, cols=3), matrix("1 2 3", rows=3, cols=1)), decimal=10))
''')
    assert out == """0.2298476964 -0.8834610177
0.5247448188 -0.2407824921
0.8196419411 0.4018960334

9.5255180916 0.0000000000
0.0000000000 0.5143005807

0.6196294838 0.7848944533
0.7848944533 -0.6196294838

0.3863177031 0.9223657801
0.9223657801 -0.3863177031

9.5080320007 0.0000000000
0.0000000000 0.7728696357

0.4286671335 -0.8059639086
0.5663069188 -0.1123824141
0.7039467041 0.5811990804

1.1690308509 0.0000000000
0.5070925528 1.1131040012
0.8451542547 0.9935831545

-5.9160797831 -7.4373574416
0.0000000000 0.8280786712
0.0000000000 0.0000000000

1.2425356250 0.0000000000 0.0000000000
0.9701425001 2.0000000000 0.0000000000

-4.1231056256 -5.3357837508 -6.5484618760
0.0000000000 0.7276068751 1.4552137502

0.0000000000 0.0000000000 1.0000000000
1.0000000000 0.0000000000 0.0000000000
0.0000000000 1.0000000000 0.0000000000

1.0000000000 0.0000000000 0.0000000000
0.1428571429 1.0000000000 0.0000000000
0.5714285714 0.5000000000 1.0000000000

7.0000000000 8.0000000000 10.0000000000
0.0000000000 0.8571428571 1.5714285714
0.0000000000 0.0000000000 -0.5000000000

2.0000000000 0.0000000000 0.0000000000
0.5000000000 1.6583123952 0.0000000000
1.0000000000 -0.3015113446 1.9771421064

-2.9999999999999982
0.0
-0.6666666667 -1.3333333333 1.0000000000
-0.6666666667 3.6666666667 -2.0000000000
1.0000000000 -2.0000000000 1.0000000000

-0.3333333333
0.6666666667
0.0000000000

"""


def test_eigen_values_and_reconstruction(dml_out):
    out = dml_out('''A = matrix("4 1 2 1 3 0 2 0 5", rows=3, cols=3)
[ev, V] = eigen(A)
print(toString(ev, decimal=10))
print(max(abs(V %*% diag(ev) %*% t(V) - A)) < 1e-12)
[ev, V] = eigen(matrix("1 2 3 4", rows=2, cols=2))
print(toString(ev, decimal=10))
''')
    assert out.split("\n")[:6] == ["1.8548973088", "3.4760236029", "6.6690790883", "", "TRUE",
                                   "-0.3722813233"]


@pytest.mark.parametrize("script", [
    'print(det(matrix("1 2 3 4 5 6", rows=2, cols=3)))',
    'print(toString(inv(matrix("1 2 3 4 5 6", rows=2, cols=3))))',
    'print(toString(cholesky(matrix("1 2 3 4", rows=2, cols=2))))',
    '[P, L, U] = lu(matrix("1 2 2 4", rows=2, cols=2))\nprint(toString(P))',
    'print(toString(solve(matrix("1 2 3 4", rows=2, cols=2), matrix("1 2 3 4", rows=2, cols=2))))',
])
def test_errors(dml, script):
    out, err, rc = dml(script)
    assert rc != 0
