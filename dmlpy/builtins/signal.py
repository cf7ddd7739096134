"""Signal and tensor builtins: fft, ifft, fft_linearized, ifft_linearized, stft, einsum; evalList.

The Fourier transforms follow SystemDS 3.4 (LibMatrixFourier): an in-place radix-2 Cooley-Tukey
scheme on separate real and imaginary arrays, rows first and then columns (the inverse: columns
first, then rows, each one conjugate -> forward transform -> conjugate / n). The same butterflies
are evaluated in the same order here (vectorised over rows), so results agree bit for bit,
signs of zeros included. Sizes must be powers of two (rows and columns for the 2-D transforms,
columns for the row-wise `_linearized` ones), as SystemDS requires.
"""
from __future__ import annotations

import math

from .. import backends as B
from .. import types as T
from ..errors import OpError
from ..runtime.context import functions
from ..runtime.values import DMLList, type_name
from .args import is_matrix
from .args import np as _np
from .registry import builtin


def _pow2(n: int) -> bool:
    return n != 0 and (n & (n - 1)) == 0


def _m(v, fn, what="argument"):
    if is_matrix(v):
        return v
    raise OpError(f"{fn}() expects a matrix as {what}, got a {type_name(v)}")


def _r_two_matrices(types, args):
    from ..errors import RuleError
    if types and types[0].dt == T.SCALAR:
        raise RuleError(f"expects a matrix argument, got a scalar ({types[0]})")
    return (T.MATRIX_T, T.MATRIX_T)


# ------------------------------------------------------------------ the butterflies
def _fft_rows(re, im):
    """In place: the DFT of every row of (re, im), SystemDS's stage order (n = 2, 4, ..., N).

    At the stage of sub-length s (stride N/s), the row viewed as an (s, N/s) array holds in
    column a the DFT of the decimated sequence x[a], x[a + N/s], ...; two such halves (even and
    odd positions of the sub-sequence) are combined with the twiddles exp(-2*pi*i*k/s)."""
    np = _np()
    rows, n = re.shape
    s = 2
    while s <= n:
        step = n // s
        half = s // 2
        r = re.reshape(rows, s, step)
        i = im.reshape(rows, s, step)
        er, ei = r[:, 0::2, :], i[:, 0::2, :]
        orr, oi = r[:, 1::2, :], i[:, 1::2, :]
        angle = -2 * math.pi / s
        ang = B.arange(half, B.DOUBLE) * angle
        wr = np.cos(ang).reshape(1, half, 1)
        wi = np.sin(ang).reshape(1, half, 1)
        mr = wr * orr - wi * oi
        mi = wr * oi + wi * orr
        nr = np.concatenate((er + mr, er - mr), axis=1)
        ni = np.concatenate((ei + mi, ei - mi), axis=1)
        re[:] = nr.reshape(rows, n)
        im[:] = ni.reshape(rows, n)
        s *= 2


def _ifft_rows(re, im):
    n = re.shape[1]
    if n == 1:
        # SystemDS conjugates, skips the (trivial) transform, conjugates back and divides by 1
        _np().negative(im, out=im)
        _np().negative(im, out=im)
        return
    _np().negative(im, out=im)
    _fft_rows(re, im)
    re /= n
    _np().negative(im, out=im)
    im /= n


def _fourier(re, im, inverse, two_d):
    np = _np()
    f64 = B.DOUBLE
    re = B.array(re, f64)
    im = np.zeros_like(re) if im is None else B.array(im, f64)
    rows = re.shape[0]
    if not inverse:
        _fft_rows(re, im)
        if two_d and rows > 1:
            rt, it = B.matrix(re.T, f64), B.matrix(im.T, f64)
            _fft_rows(rt, it)
            re, im = B.matrix(rt.T, f64), B.matrix(it.T, f64)
    else:
        if two_d and rows > 1:
            rt, it = B.matrix(re.T, f64), B.matrix(im.T, f64)
            _ifft_rows(rt, it)
            re, im = B.matrix(rt.T, f64), B.matrix(it.T, f64)
        _ifft_rows(re, im)
    return re, im


def _check(x, fn, two_d, what="first"):
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise OpError(f"The {what} argument to {fn} cannot be an empty matrix.")
    if two_d and not (_pow2(x.shape[0]) and _pow2(x.shape[1])):
        raise OpError(f"This {fn.upper()} implementation is only defined for matrices with dimensions "
                      f"that are powers of 2.")
    if not two_d and not _pow2(x.shape[1]):
        raise OpError(f"This {fn.upper()} implementation is only defined for matrices with columns "
                      f"that are powers of 2.")


def _forward(x, fn, two_d):
    np = _np()
    x = _m(x, fn)
    _check(x, fn, two_d)
    if not x.any():
        # SystemDS returns an empty input as it is, with an all-zero imaginary part
        return x.copy(), np.zeros_like(x)
    return _fourier(x, None, False, two_d)


def _inverse(re, im, fn, two_d):
    np = _np()
    re = _m(re, fn)
    _check(re, fn, two_d)
    if im is not None:
        im = _m(im, fn, "second argument")
        if im.shape[0] == 0 or im.shape[1] == 0:
            raise OpError(f"The second argument to {fn} cannot be an empty matrix. Provide either "
                          f"only a real matrix or a filled real and imaginary one.")
        if im.shape != re.shape:
            raise OpError("The real and imaginary part of the provided matrix are of different "
                          "dimensions.")
        if not im.any():
            im = None
    if im is None and not re.any():
        return re.copy(), np.zeros_like(re)
    return _fourier(re, im, True, two_d)


@builtin("fft", "target", rule=_r_two_matrices, nret=2)
def fft(x):
    """[re, im] = fft(X): 2-D discrete Fourier transform of a real matrix (power-of-two sizes)."""
    return _forward(x, "fft", True)


@builtin("ifft", "target, im=?", rule=_r_two_matrices, nret=2)
def ifft(re, im=None):
    """[re, im] = ifft(Re [, Im]): inverse 2-D DFT (scaled by 1/(rows*cols))."""
    return _inverse(re, im, "ifft", True)


@builtin("fft_linearized", "target", rule=_r_two_matrices, nret=2)
def fft_linearized(x):
    """[re, im] = fft_linearized(X): the DFT of every row (power-of-two columns)."""
    return _forward(x, "fft_linearized", False)


@builtin("ifft_linearized", "target, im=?", rule=_r_two_matrices, nret=2)
def ifft_linearized(re, im=None):
    """[re, im] = ifft_linearized(Re [, Im]): the inverse DFT of every row."""
    return _inverse(re, im, "ifft_linearized", False)


def _int_arg(v, fn, what):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise OpError(f"{fn}() expects a number as {what}, got a {type_name(v)}")
    return int(v)


@builtin("stft", "target, a, b, c=?", rule=_r_two_matrices, nret=2)
def stft(x, a, b, c=None):
    """[re, im] = stft(X, windowSize, overlap) or stft(Re, Im, windowSize, overlap): a short-time
    Fourier transform of every row: windows of windowSize values (a power of two) starting every
    windowSize - overlap values, the last one zero-padded, each replaced by its DFT and the
    results laid side by side (no window function).

    SystemDS 3.4 validates these calls but fails at run time (its STFT kernel is not wired up,
    a NullPointerException); dmlpy computes what its LibMatrixSTFT kernel defines."""
    fn = "stft"
    re = _m(x, fn)
    if c is None:
        im, win, ov = None, a, b
        pos = "2nd"
    else:
        im, win, ov = _m(a, fn, "second argument"), b, c
        pos = "3rd"
        if im.shape != re.shape:
            raise OpError("The real and imaginary part of the provided matrix are of different "
                          "dimensions.")
    win = _int_arg(win, fn, "windowSize")
    ov = _int_arg(ov, fn, "overlap")
    if not _pow2(win) or win < 0:
        raise OpError(f"This FFT implementation is only defined for matrices with dimensions that are "
                      f"powers of 2.The window size ({pos} argument) is not a power of two")
    if win <= ov:
        raise OpError("Overlap can't be larger than or equal to the window size.")
    rows, cols = re.shape
    step = win - ov
    nframes = max((cols - ov + step - 1) // step, 0)
    fr = B.zeros((rows, nframes, win), B.DOUBLE)
    fi = B.zeros((rows, nframes, win), B.DOUBLE)
    for f in range(nframes):
        lo = f * step
        hi = min(lo + win, cols)
        if hi > lo:
            fr[:, f, :hi - lo] = re[:, lo:hi]
            if im is not None:
                fi[:, f, :hi - lo] = im[:, lo:hi]
    fr = fr.reshape(rows * nframes, win)
    fi = fi.reshape(rows * nframes, win)
    _fft_rows(fr, fi)
    return (B.matrix(fr.reshape(rows, nframes * win), B.DOUBLE),
            B.matrix(fi.reshape(rows, nframes * win), B.DOUBLE))


# ------------------------------------------------------------------ einsum
def _r_einsum(types, args):
    from ..errors import RuleError
    from ..parse import ast
    if len(args) < 2:
        raise RuleError("Einsum: at least one input matrix required")
    for t in types[1:]:
        if t.dt not in (T.MATRIX, T.UNKNOWN_DT):
            raise RuleError(f"einsum() expects matrices after the equation, got a {t}")
    eq = args[0]
    if isinstance(eq, ast.StrLit):
        _, arrow, out = eq.value.partition("->")
        if arrow and not out.replace(" ", ""):
            return T.DOUBLE
        return T.MATRIX_T
    return T.UNKNOWN


@builtin("einsum", "*args", rule=_r_einsum, min_args=2)
def einsum(eq, *mats):
    """einsum(equation, A, B, ...): Einstein summation over matrices (up to two subscripts per
    operand; a one-letter operand is a vector; the result is a matrix with up to two subscripts,
    a column vector for one, or a double for `->` with nothing after it)."""
    np = _np()
    if not isinstance(eq, str):
        raise OpError("Einsum: first argument has to be equation str")
    if not mats:
        raise OpError("Einsum: at least one input matrix required")
    if not eq:
        raise OpError("Einsum: equation str too short")
    if eq[0] in "-,":
        raise OpError("Einsum: equation str invalid")
    for m in mats:
        _m(m, "einsum", "an operand")
    lhs, arrow, rhs = eq.partition("->")
    if not arrow:
        raise OpError("Einsum: missing '->' substring")
    subs = [s.replace(" ", "") for s in lhs.split(",")]
    if len(subs) > len(mats):
        raise OpError("Einsum: Provided less operands than specified in equation str")
    if len(subs) < len(mats):
        raise OpError("Einsum: Provided more operands than specified in equation str")
    out = rhs.replace(" ", "")
    for c in "".join(subs) + out:
        if not c.isalpha():
            raise OpError(f"Einsum: only alphabetic characters are supported for dimensions: {c}")
    if len(out) > 2:
        raise OpError("Einsum: output matrices with with no. dims > 2 not supported")
    if len(out) == 2 and out[0] == out[1]:
        raise OpError(f"Einsum: output character {out[0]} provided multiple times")
    sizes = {}
    ops = []
    for s, m in zip(subs, mats):
        if len(s) > 2:
            raise OpError("Einsum: only up-to 2D inputs strings allowed ")
        if m.shape[0] == 1 and m.shape[1] != 1:
            m = m.T      # SystemDS turns row vectors into column vectors
        dims = m.shape
        if len(s) == 1:
            if dims[1] != 1:
                raise OpError(f"Einsum: the operand for '{s}' must be a vector, got a "
                              f"{dims[0]}x{dims[1]} matrix")
            m = m[:, 0]
        elif len(s) == 0:
            if m.size != 1:
                raise OpError("Einsum: an operand without subscripts must be 1x1")
            m = m.reshape(())
        for k, c in enumerate(s):
            if c in sizes and sizes[c] != dims[k]:
                raise OpError(f"Einsum: Character '{c}' expected to be dim {sizes[c]}, but found {dims[k]}")
            sizes[c] = dims[k]
        ops.append(m)
    for c in out:
        if c not in sizes:
            raise OpError(f"Einsum: Output dimension '{c}' not present in input operands")
    r = np.einsum(",".join(subs) + "->" + out, *ops, optimize=len(ops) > 2)
    if len(out) == 0:
        return float(r)
    if len(out) == 1:
        r = r.reshape(-1, 1)
    return B.matrix(r)


# ------------------------------------------------------------------ evalList
def _unvar(name: str) -> str:
    from ..compile.names import dml_var
    return dml_var(name)


@builtin("evalList", "name, args", rule=lambda ts, a: T.LIST_T, pure=False)
def eval_list(name, args):
    """evalList(fname, list(...)): call the DML function fname with the list's elements as its
    arguments (by position, or by parameter name for a named list) and return all its results
    as a list named after the function's return variables."""
    if not isinstance(name, str):
        raise OpError(f"evalList() expects a function name (a string), got a {type_name(name)}")
    if not isinstance(args, DMLList):
        args = DMLList([args])
    table = functions()
    ns, _, short = name.rpartition("::")
    key = name if name in table else short
    if key not in table and not ns:
        from ..runtime.dynload import builtin_entry   # a DML-bodied builtin, compiled on first use
        entry = builtin_entry(short)
        if entry is not None:
            table = {key: entry}
    if key not in table:
        if not ns:
            native = _native(short, args)
            if native is not None:
                return native
        raise OpError(f"Function '{ns or '.defaultNS'}::{short}' (called through evalList) is "
                      f"non-existing.")
    entry = table[key]
    fn, ptypes = entry[0], entry[1]
    info = entry[2] if len(entry) > 2 else None
    if getattr(info, "fdef", None) is not None:
        pnames = [p.name for p in info.fdef.params]
    else:
        code = fn.__code__
        pnames = [_unvar(v) for v in code.co_varnames[:code.co_argcount]]
    values = list(args.values)
    if args.names is not None and len(values) > 0:
        byname = dict(zip(args.names, values))
        for k in byname:
            if k not in pnames:
                raise OpError(f"evalList(): function '{name}' has no parameter '{k}'")
        values = []
        for p in pnames:
            if p in byname:
                values.append(byname[p])
            else:
                break
        if len(values) < len(byname):
            raise OpError(f"evalList(): named arguments of '{name}' must not leave out earlier "
                          f"parameters (defaults are not available at run time)")
    if len(values) > len(pnames):
        raise OpError(f"evalList(): function '{name}' takes {len(pnames)} arguments, got {len(values)}")
    if len(values) < len(pnames):
        values += _defaults(info, pnames[len(values):], name)
    from ..runtime import ops
    conv = {"double": ops.param_double, "int": ops.param_int, "boolean": ops.param_bool}
    values = [conv[t.vt](a) if t.dt == "scalar" and t.vt in conv else a for a, t in zip(values, ptypes)]
    res = fn(*values)
    rnames = _return_names(info)
    if rnames is not None and len(rnames) == 0:
        return DMLList([])
    if rnames is not None and len(rnames) == 1:
        vals = [res]
    else:
        vals = list(res) if isinstance(res, tuple) else [res]
    if rnames is None:
        return DMLList(vals)
    return DMLList(vals, rnames)


def _native(name, args):
    """evalList on a native builtin (a dmlpy extension: SystemDS's evalList calls DML functions
    only): its arguments by position or by parameter name, its results as a list."""
    from .registry import lookup
    b = lookup(name)
    if b is None or b.named_variadic or b.nret == 0:
        return None
    values = list(args.values)
    if args.names is not None and values and not b.variadic:
        byname = dict(zip(args.names, values))
        for k in byname:
            if k not in b.params:
                raise OpError(f"evalList(): {name}() has no parameter named '{k}'")
        values = [byname.get(p, b.defaults.get(p)) for p in b.params]
        missing = [p for p, v in zip(b.params, values) if v is None and p not in b.defaults]
        if missing:
            raise OpError(f"evalList(): {name}() is missing its argument '{missing[0]}'")
    elif not b.variadic:
        if not b.min_args <= len(values) <= len(b.params):
            raise OpError(f"evalList(): {name}() takes {b.min_args} to {len(b.params)} arguments, "
                          f"got {len(values)}")
        values += [b.defaults.get(p) for p in b.params[len(values):]]
    res = b.impl(*values)
    return DMLList(list(res) if isinstance(res, tuple) and b.nret > 1 else [res])


def _defaults(info, missing, name):
    """Literal defaults of the missing trailing parameters, when the function table carries the
    function's definition (`(fn, ptypes, Function)` entries)."""
    fdef = getattr(info, "fdef", None)
    if fdef is None:
        raise OpError(f"evalList(): function '{name}' needs arguments for {', '.join(missing)}")
    from ..parse import ast
    out = []
    params = {p.name: p for p in fdef.params}
    for p in missing:
        d = params[p].default
        v = getattr(d, "value", None) if d is not None else None
        if d is None or v is None or isinstance(d, ast.Expr) and type(d).__name__ not in (
                "StrLit", "IntLit", "FloatLit", "BoolLit", "NumLit"):
            raise OpError(f"evalList(): function '{name}' needs an argument for {p}")
        out.append(v)
    return out


def _return_names(info):
    fdef = getattr(info, "fdef", None)
    if fdef is None:
        return None
    return [r.name for r in fdef.returns]
