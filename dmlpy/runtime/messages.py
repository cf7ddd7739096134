"""Python's wording of a failure, said in DML's terms. A builtin that trips over an argument of the
wrong kind fails inside Python or NumPy ("could not convert string to float", "only 0-dimensional
arrays ..."); the user sees what that means for the DML program instead, never a Python class
name, an object address or a generated name.
"""
from __future__ import annotations

import re

_PY_TYPES = {"DMLList": "a list", "Frame": "a frame", "ndarray": "a matrix", "csr_array": "a matrix", "NoneType": "nothing",
             "str": "a string", "float": "a double", "int": "an int", "bool": "a boolean",
             "list": "a list", "tuple": "several values", "dict": "a list"}

_RULES = [
    (re.compile(r"could not convert string to float: (.*)"),
     lambda m: f"the string {_q(m.group(1))} is not a number"),
    (re.compile(r"invalid literal for int\(\) with base \d+: (.*)"),
     lambda m: f"the string {_q(m.group(1))} is not an integer"),
    (re.compile(r"(?:int|float|complex)\(\) argument must be .*, not '(\w+)'"),
     lambda m: f"{_kind(m.group(1))} cannot be used as a number here"),
    (re.compile(r"'(\w+)' object cannot be interpreted as an integer"),
     lambda m: f"{_kind(m.group(1))} cannot be used as an integer here"),
    (re.compile(r"only (?:0-dimensional|length-1|size-1) arrays can be converted to Python scalars"),
     lambda m: "a matrix cannot be used as a scalar here"),
    (re.compile(r"cannot convert float NaN to integer"), lambda m: "NaN cannot be used as an integer"),
    (re.compile(r"cannot convert float infinity to integer"),
     lambda m: "Infinity cannot be used as an integer"),
    (re.compile(r"The truth value of an (?:array with more than one element|empty array) is ambiguous.*"),
     lambda m: "a matrix cannot be used as a single boolean here"),
    (re.compile(r"operands could not be broadcast together with shapes \((\d+),(\d*)\) \((\d+),(\d*)\).*"),
     lambda m: f"the dimensions do not match ({_dims(m.group(1), m.group(2))} and "
               f"{_dims(m.group(3), m.group(4))})"),
    (re.compile(r"unsupported operand type\(s\) for (\S+): '(\w+)' and '(\w+)'"),
     lambda m: f"'{m.group(1)}' cannot combine {_kind(m.group(2))} and {_kind(m.group(3))}"),
    (re.compile(r"'(\w+)' object (?:is not subscriptable|is not iterable|has no attribute .*|"
                r"is not callable|does not support item assignment)"),
     lambda m: f"{_kind(m.group(1))} is not allowed here"),
    (re.compile(r"object of type '(\w+)' has no len\(\)"),
     lambda m: f"{_kind(m.group(1))} is not allowed here"),
    (re.compile(r"(\w+)\(\) missing \d+ required (?:positional |keyword-only )?arguments?: (.*)"),
     lambda m: f"missing argument {_names(m.group(2))} in the call of '{_unmangle(m.group(1))}'"),
    (re.compile(r"(\w+)\(\) takes (?:from )?[\d ]+(?:to \d+ )?positional arguments? "
                r"but (\d+) (?:was|were) given"),
     lambda m: f"wrong number of arguments ({m.group(2)}) in the call of '{_unmangle(m.group(1))}'"),
    (re.compile(r"(?:not enough|too many) values to unpack.*"),
     lambda m: "the arguments do not have the expected shape"),
    (re.compile(r"(?:tuple|list|string) index out of range|index -?\d+ is out of bounds for axis.*"),
     lambda m: "an argument is too small (an index falls outside it)"),
    (re.compile(r"math domain error"), lambda m: "an argument is outside the function's domain"),
    (re.compile(r"(?:Python )?int too large to convert.*|int too big to convert|"
                r"Exceeds the limit \(\d+ digits\) for integer string conversion.*"),
     lambda m: "a number is too large"),
    (re.compile(r"maximum supported dimension for an ndarray is.*|array is too big.*|"
                r"Unable to allocate .*"),
     lambda m: "the result would be too large"),
    (re.compile(r"negative dimensions are not allowed"), lambda m: "a dimension is negative"),
]
_OBJECT = re.compile(r"<(?:[\w.]+\.)?(\w+) object at 0x[0-9a-fA-F]+>")
_GENERATED = re.compile(r"\b(?:f[0-9]+_|v_)([A-Za-z0-9_]+)\b")


def _q(text: str) -> str:
    text = text.strip()
    return text if text[:1] in "'\"" else f"'{text}'"


def _kind(pyname: str) -> str:
    return _PY_TYPES.get(pyname, "a value of this kind")


def _unmangle(name: str) -> str:
    from ..compile.names import unmangle
    m = re.fullmatch(r"(?:f[0-9]+_|v_)(\w+)", name)
    return unmangle(m.group(1)) if m else name


def _names(text: str) -> str:
    return " and ".join(f"'{_unmangle(n)}'" for n in re.findall(r"'(\w+)'", text)) or "(unknown)"


def _dims(r: str, c: str) -> str:
    return f"{r}x{c or 1}"


def humanize(text: str) -> str:
    """`text` (a Python exception's message) in DML terms."""
    from ..compile.names import unmangle
    for rule, say in _RULES:
        m = rule.search(text)
        if m:
            return say(m)
    text = _OBJECT.sub(lambda m: _kind(m.group(1)), text)
    return _GENERATED.sub(lambda m: unmangle(m.group(1)), text)


def without_objects(text: str) -> str:
    """A message of dmlpy's own, with any Python object's default text replaced by its kind."""
    return _OBJECT.sub(lambda m: _kind(m.group(1)), text)
