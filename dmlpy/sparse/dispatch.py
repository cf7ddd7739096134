"""Builtins called with a sparse matrix argument, or a list (that may hold one): reached from the
guard that dmlpy.builtins.registry puts around every builtin not registered with sparse=True.

A builtin with a sparse form in dmlpy.sparse.builtins runs that form; it may answer
NotImplemented for arguments it does not handle (e.g. a dense result is wanted anyway). Every
other case densifies its sparse arguments, and the sparse elements of list arguments (with
densify's memory check, naming the builtin), and runs the dense implementation.
"""
from __future__ import annotations


def _has_sparse(v, depth=0) -> bool:
    t = type(v).__name__
    if t == "csr_array":
        return True
    return t == "DMLList" and depth < 8 and any(_has_sparse(x, depth + 1) for x in v.values)


def _dense(name, v):
    t = type(v).__name__
    if t == "csr_array":
        from . import densify
        return densify(v, f"{name}()")
    if t == "DMLList" and _has_sparse(v):
        from ..runtime.values import DMLList
        return DMLList([_dense(name, x) for x in v.values], v.names)
    return v


# builtins that carry values without computing on them (lists, printing): a sparse element of a
# list argument stays sparse
_CARRY = frozenset({"list", "as.list", "remove", "length", "typeof", "print", "toString"})


def _on_host(name, args):
    """args with device matrices (a -gpu run's, also inside lists) brought to the host."""
    from ..backends.cuda.place import host
    return [host(a, name) for a in args]


def _device(v, depth=0) -> bool:
    t = type(v).__name__
    return t == "DeviceMatrix" or (t == "DMLList" and depth < 8
                                   and any(_device(x, depth + 1) for x in v.values))


def call(name, impl, args):
    if any(_device(a) for a in args):
        args = _on_host(name, args)
    top = False
    for a in args:
        if type(a).__name__ == "csr_array":
            top = True
            break
    if not top and (name in _CARRY or (name == "cbind" and args and type(args[0]).__name__ == "DMLList")
                    or not any(_has_sparse(a) for a in args)):
        return impl(*args)          # lists carried as they are, or lists of dense values only
    from .builtins import SPARSE
    f = SPARSE.get(name)
    if f is not None:
        r = f(impl, *args)
        if r is not NotImplemented:
            return r
    return impl(*[_dense(name, a) for a in args])


def call_named(name, impl, args, names):
    if any(_device(a) for a in args):
        args = _on_host(name, args)
    if name in _CARRY or not any(_has_sparse(a) for a in args):
        return impl(args, names)
    return impl([_dense(name, a) for a in args], names)
