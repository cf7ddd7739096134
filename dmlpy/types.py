"""Static types of DML values: a data type (scalar, matrix, frame, list) and a value type."""
from __future__ import annotations

from dataclasses import dataclass

SCALAR, MATRIX, FRAME, LIST, UNKNOWN_DT = "scalar", "matrix", "frame", "list", "unknown"
INT_VT, DOUBLE_VT, BOOL_VT, STRING_VT, UNKNOWN_VT = "int", "double", "boolean", "string", "unknown"


@dataclass(frozen=True, slots=True)
class Type:
    dt: str
    vt: str = UNKNOWN_VT

    @property
    def is_scalar(self) -> bool:
        return self.dt == SCALAR

    @property
    def is_matrix(self) -> bool:
        return self.dt == MATRIX

    @property
    def is_numeric_scalar(self) -> bool:
        return self.dt == SCALAR and self.vt in (INT_VT, DOUBLE_VT)

    @property
    def known(self) -> bool:
        return self.dt != UNKNOWN_DT

    def __str__(self) -> str:
        if self.dt == SCALAR:
            return self.vt if self.vt != UNKNOWN_VT else "scalar"
        if self.dt == MATRIX:
            return "matrix"
        if self.dt == UNKNOWN_DT:
            return "unknown"
        return self.dt


INT = Type(SCALAR, INT_VT)
DOUBLE = Type(SCALAR, DOUBLE_VT)
BOOL = Type(SCALAR, BOOL_VT)
STRING = Type(SCALAR, STRING_VT)
SCALAR_ANY = Type(SCALAR, UNKNOWN_VT)
MATRIX_T = Type(MATRIX, DOUBLE_VT)
FRAME_T = Type(FRAME, UNKNOWN_VT)
LIST_T = Type(LIST, UNKNOWN_VT)
UNKNOWN = Type(UNKNOWN_DT, UNKNOWN_VT)


def join(a: Type | None, b: Type | None) -> Type:
    """The least type holding both (None = not yet assigned on that path)."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    if a.dt == b.dt:
        return Type(a.dt, UNKNOWN_VT)
    return UNKNOWN


def from_spec(data: str, value: str) -> Type:
    """Type of a declared parameter, e.g. ('matrix', 'double') or ('scalar', 'int')."""
    if data == "scalar":
        return Type(SCALAR, value)
    if data == "matrix":
        return MATRIX_T
    if data == "frame":
        return FRAME_T
    if data == "list":
        return LIST_T
    return UNKNOWN


def of_value(v) -> Type:
    """Type of a runtime value."""
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return INT
    if isinstance(v, float):
        return DOUBLE
    if isinstance(v, str):
        return STRING
    name = type(v).__name__
    if name == "ndarray" or name == "csr_array":
        return MATRIX_T
    if name == "DMLList":
        return LIST_T
    if name == "Frame":
        return FRAME_T
    return UNKNOWN
