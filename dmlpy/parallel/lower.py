"""Lowering of a parfor to Python: its body becomes a function of its own, `_blkp<n>(i, env)`, and
the loop becomes one call of the runtime (local.run) with that function, the iteration values, the
driver's variables the body uses and the result variables to merge; the merged values are assigned
back after the call. Only mangled DML names (compile/names.py) and literals reach the source.

The body function takes each variable from the worker's dict (those it assigns are taken out, so a
matrix it owns is updated in place from the second write on) and puts back what it assigned.
"""
from __future__ import annotations

from ..compile import flat
from ..compile.names import pyvar
from .deps import info_of


def lower_parfor(gen, s) -> bool:
    """Emit the driver's side of parfor `s`; False when it is to run as a plain for."""
    info = info_of(gen.a, s)
    if info is None:
        return False
    used, assigned = flat.variables(s.body)
    names = [v for v in used if v != s.var]
    pending = gen.__dict__.setdefault("parfor_bodies", [])
    count = gen.__dict__.get("parfor_count", 0)
    gen.parfor_count = count + 1
    name = f"_blkp{count}"
    pending.append((name, s, names, [v for v in assigned if v != s.var], gen.where))
    a, b, *step = gen.exs([s.start, s.stop] + ([s.step] if s.step is not None else []))
    gen.emit(f"_pi = list({gen.h('_range')}({a}, {b}, {step[0] if step else 'None'}))", s.span)
    # the driver's variables the body uses (not locals(): its dict would keep every matrix of the
    # function referenced, and so copied on each later in-place write)
    gen.emit("_pd = {}")
    _emit_store(gen, "_pd", names)
    env = "_pd"
    results = tuple((pyvar(n), kind) for n, kind in info.results)
    o = info.options
    gen.emit(f"_pr = {gen.h('_pfrun')}({name}, _pi, {env}, {results!r}, {int(o.par)}, "
             f"{o.taskpartitioner!r}, {int(o.tasksize)}, mode={o.mode!r})", s.span)
    for pv, _ in results:
        gen.emit(f"if {pv!r} in _pr: {pv} = _pr[{pv!r}]")
    gen.emit(f"if _pi: {pyvar(s.var)} = _pi[-1]")
    gen.emit("del _pr, _pi, _pd")
    return True


def _emit_store(gen, table: str, names):
    """Emit code that puts each variable of `names` that is assigned into the dict `table`."""
    for v in names:
        pv = pyvar(v)
        gen.emit("try:")
        gen.emit(f"    {table}[{pv!r}] = {pv}")
        gen.emit("except NameError:")
        gen.emit("    pass")


def pending(gen) -> bool:
    return bool(gen.__dict__.get("parfor_bodies"))


def emit_next_body(gen):
    """Emit the function of the next parfor body waiting (at the module's top level)."""
    name, s, names, assigned, where = gen.parfor_bodies.pop(0)
    gen.funcnames[name] = where
    gen.where = where
    gen.loops = 0
    gen.emit("")
    gen.emit(f"def {name}({pyvar(s.var)}, _pe):", s.span)
    gen.depth = 1
    u = gen.h("_U")
    for v in names:
        pv = pyvar(v)
        gen.emit(f"{pv} = _pe.{'pop' if v in assigned else 'get'}({pv!r}, {u})")
        gen.emit(f"if {pv} is {u}: del {pv}")
    gen.block(s.body)
    _emit_store(gen, "_pe", assigned)
    gen.depth = 0
