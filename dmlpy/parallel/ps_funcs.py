"""The DML functions paramserv calls by name: the gradients (`upd`), aggregation (`agg`) and
validation (`val`) functions, found in the running program's function table (runtime/context).

A name is `f` or `.defaultNS::f` (a function of the main script), `ns::f` (a function of a file
source()d as ns) or `path::f` (a function of the source()d file at that path, the spelling of
SystemDS's own scripts). As in SystemDS, the functions receive their arguments by parameter name:
`model`, `features`, `labels`, `hyperparams` (upd); `model`, `gradients`, `hyperparams` (agg);
`model`, `val_features`, `val_labels`, `hyperparams` (val). A parameter with another name takes
its default value; one without a default is an error.
"""
from __future__ import annotations

from pathlib import Path

from .. import types as T
from ..errors import OpError
from ..runtime.context import functions


class DMLFunction:
    """A compiled DML function, called with arguments by parameter name."""

    def __init__(self, label: str, name: str, entry):
        self.label, self.name = label, name
        self.fn, self.ptypes, self.info = entry[0], entry[1], entry[2]
        self.params = list(self.info.fdef.params)
        self.returns = list(self.info.fdef.returns)

    def has_param(self, name: str, data: str | None = None) -> bool:
        return any(p.name == name and (data is None or p.type.data == data) for p in self.params)

    def __call__(self, **given):
        from ..runtime import ops
        from ..runtime.executor import _default_of
        conv = {"double": ops.param_double, "int": ops.param_int, "boolean": ops.param_bool}
        args = []
        for p, t in zip(self.params, self.ptypes):
            if p.name in given:
                v = given[p.name]
                if v is None:
                    raise OpError(f"paramserv(): the {self.label} function '{self.name}' takes a "
                                  f"parameter '{p.name}', but paramserv was given no {p.name}=")
            elif p.default is not None:
                v = _default_of(p, self.name)
            else:
                raise OpError(f"paramserv(): the {self.label} function '{self.name}' has a parameter "
                              f"'{p.name}' that paramserv cannot fill (it passes "
                              f"{', '.join(given)} by name)")
            if t.dt == T.SCALAR and t.vt in conv:
                v = conv[t.vt](v)
            args.append(v)
        out = self.fn(*args)
        return out[0] if isinstance(out, tuple) and len(self.returns) == 1 else out


def resolve(name: str, label: str) -> DMLFunction:
    """The function `name` of the running program (see the module docstring)."""
    table = functions()
    ns, _, short = name.rpartition("::")
    if ns == ".defaultNS":
        ns = ""
    key = f"{ns}::{short}" if ns else short
    entry = table.get(key)
    if entry is None and ns:
        entry = _by_path(table, ns, short)
    if entry is None:
        if ns and not any(k.startswith(ns + "::") for k in table):
            raise OpError(f"paramserv(): namespace {ns} is undefined (the {label} function "
                          f"'{name}')")
        raise OpError(f"paramserv(): the {label} function '{name}' is not defined"
                      + ("" if ns else " (a function of a source()d file is named ns::f)"))
    return DMLFunction(label, name, entry)


def _by_path(table, path: str, short: str):
    """A function of a source()d file named by its path (relative to the working directory, as
    in SystemDS; failing that, the one source()d file of that name)."""
    try:
        want = Path(path).resolve()
    except (OSError, RuntimeError):
        return None
    same_name = []
    for entry in table.values():
        info = entry[2] if len(entry) > 2 else None
        module = getattr(info, "module", None)
        mpath = getattr(module, "path", None)
        if mpath is None or getattr(module, "builtin", False) or info.fdef.name != short:
            continue
        try:
            if Path(mpath).resolve() == want:
                return entry
        except (OSError, RuntimeError):
            continue
        if Path(mpath).name == want.name:
            same_name.append(entry)
    return same_name[0] if len(same_name) == 1 else None


def check_update(f: DMLFunction):
    """SystemDS's checks of the gradients function: inputs model (list), features and labels
    (matrices), optionally hyperparams (list); one result, a list."""
    for pname, data, optional in (("features", "matrix", False), ("labels", "matrix", False),
                                  ("model", "list", False), ("hyperparams", "list", True)):
        if optional and not f.has_param(pname):
            continue
        if not f.has_param(pname, data):
            raise OpError(f"The '{f.name}' function should provide an input of '{data.upper()}' type "
                          f"named '{pname}'.")
    _one_list(f, "containing the gradients")


def check_aggregation(f: DMLFunction):
    """agg returns one list, the updated model."""
    _one_list(f, "containing the updated model")


def _one_list(f: DMLFunction, what: str):
    if len(f.returns) != 1:
        raise OpError(f"The output of the '{f.name}' function should provide one list {what}.")
    if f.returns[0].type.data != "list":
        raise OpError(f"The output of the '{f.name}' function should be type of list.")


def check_validation(f: DMLFunction):
    """val returns two scalars, the loss and the accuracy."""
    if len(f.returns) != 2:
        raise OpError(f"The output of the '{f.name}' function should provide the loss and the "
                      f"accuracy in that order")
    if any(r.type.data != "scalar" for r in f.returns):
        raise OpError(f"The outputs of the '{f.name}' function should both be scalars")
