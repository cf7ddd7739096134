"""Tests for dmlpy.runtime.javafmt against values recorded from Java 17.

All expected strings in tests/data/javafmt_cases.json were produced by
OpenJDK 17.0.15 (Double.toString / String.format); Java is not needed at
test time.
"""

import json
import math
import os
import struct

import pytest

from dmlpy.runtime.javafmt import double_to_string, format_fixed
from dmlpy.runtime.javaformatter import java_format

_DATA_PATH = os.path.join(os.path.dirname(__file__), "data", "javafmt_cases.json")
with open(_DATA_PATH, encoding="utf-8") as _fh:
    _DATA = json.load(_fh)


def _from_bits(h):
    return struct.unpack(">d", bytes.fromhex(h))[0]


def _decode_args(args):
    out = []
    for kind, v in args:
        if kind == "f":
            out.append(float.fromhex(v))
        elif kind == "i":
            out.append(int(v))
        elif kind == "b":
            out.append(bool(v))
        else:
            out.append(v)
    return out


# ---------------------------------------------------------------------------
# Double.toString
# ---------------------------------------------------------------------------

def test_double_to_string_recorded_cases():
    cases = _DATA["double_to_string"]
    assert len(cases) > 3000
    bad = []
    for line in cases:
        h, expected = line.split(" ", 1)
        got = double_to_string(_from_bits(h))
        if got != expected:
            bad.append((h, expected, got))
    assert not bad, bad[:20]


@pytest.mark.parametrize("x, expected", [
    (0.0, "0.0"), (-0.0, "-0.0"), (float("nan"), "NaN"),
    (float("inf"), "Infinity"), (float("-inf"), "-Infinity"),
    (3.0, "3.0"), (100000.0, "100000.0"), (0.001, "0.001"), (0.002, "0.002"),
    (1e7, "1.0E7"), (1.2345e-4, "1.2345E-4"), (6.02e23, "6.02E23"),
    (1e-4, "1.0E-4"), (9999999.999999998, "9999999.999999998"),
    (0.0009999999999999998, "9.999999999999998E-4"),
    (-1.5, "-1.5"), (0.1, "0.1"), (1 / 3, "0.3333333333333333"),
    (123456789.0, "1.23456789E8"), (1e16, "1.0E16"), (1e21, "1.0E21"),
    # Java 17 quirks (not the shortest repr)
    (2.0 ** 62, "4.6116860184273879E18"),
    (2.0 ** 63, "9.223372036854776E18"),
    (1e23, "9.999999999999999E22"),
    (2.0 ** -44, "5.6843418860808015E-14"),
    (5e-324, "4.9E-324"),
    (1.7976931348623157e308, "1.7976931348623157E308"),
    (2.2250738585072014e-308, "2.2250738585072014E-308"),
])
def test_double_to_string_examples(x, expected):
    assert double_to_string(x) == expected


def test_double_to_string_accepts_int_and_float_subclass():
    class F(float):
        pass
    assert double_to_string(F(2.5)) == "2.5"
    assert double_to_string(3) == "3.0"


def test_double_to_string_plain_range_matches_repr():
    # in [1e-3, 1e7) Java's layout and digits are Python's repr
    for x in (0.001, 0.5, 1.0, 2.0, 1024.0, 3.14159, 9999999.0, 1234.5678):
        assert double_to_string(x) == repr(x)
        assert double_to_string(-x) == repr(-x)


# ---------------------------------------------------------------------------
# String.format("%.nf")
# ---------------------------------------------------------------------------

def test_format_fixed_recorded_cases():
    bad = []
    for xh, dec, expected in _DATA["format_fixed"]:
        got = format_fixed(float.fromhex(xh), dec)
        if got != expected:
            bad.append((xh, dec, expected, got))
    assert not bad, bad[:20]


@pytest.mark.parametrize("x, dec, expected", [
    (0.0005, 3, "0.001"), (-0.0005, 3, "-0.001"), (0.0004999, 3, "0.000"),
    (0.15, 1, "0.2"), (0.25, 1, "0.3"), (2.675, 2, "2.68"), (1.0005, 3, "1.001"),
    (0.125, 2, "0.13"), (1.005, 2, "1.01"), (-0.0, 3, "-0.000"),
    (-1e-7, 3, "-0.000"), (0.0, 3, "0.000"), (float("nan"), 3, "NaN"),
    (float("inf"), 3, "Infinity"), (float("-inf"), 3, "-Infinity"),
    (2.5, 0, "3"), (0.5, 0, "1"), (1.5, 0, "2"), (123.456, 0, "123"),
    (1e300, 2, "1" + "0" * 300 + ".00"), (0.1, 20, "0.10000000000000000000"),
    (9.9995, 3, "10.000"), (5e-324, 3, "0.000"),
])
def test_format_fixed_examples(x, dec, expected):
    assert format_fixed(x, dec) == expected


def test_format_fixed_default_decimals():
    assert format_fixed(3.14159) == "3.142"


# ---------------------------------------------------------------------------
# String.format
# ---------------------------------------------------------------------------

def test_java_format_recorded_cases():
    bad = []
    for fmt, args, expected in _DATA["java_format"]:
        a = _decode_args(args)
        if expected.startswith("ERR:"):
            try:
                got = java_format(fmt, a)
            except ValueError as e:
                if not str(e).startswith(expected[4:]):
                    bad.append((fmt, args, expected, str(e)))
            else:
                bad.append((fmt, args, expected, got))
        else:
            try:
                got = java_format(fmt, a)
            except ValueError as e:
                got = "raised " + str(e)
            if got != expected:
                bad.append((fmt, args, expected, got))
    assert not bad, bad[:20]


@pytest.mark.parametrize("fmt, args, expected", [
    ("%s %d %f %b", ["hi", 3, 4.5, True], "hi 3 4.500000 true"),
    ("%d items, %.2f", [7, 3.14159], "7 items, 3.14"),
    ("[%5d] [%-5d] [%05d]", [42, 42, 42], "[   42] [42   ] [00042]"),
    ("%.3e", [12345.678], "1.235e+04"),
    ("%s and %s", ["one", 2.5], "one and 2.5"),
    ("%s", [3.0], "3.0"),
    ("%s", [1e10], "1.0E10"),
    ("%b", [0], "true"),
    ("%b", ["false"], "true"),
    ("%b", [False], "false"),
    ("%2$s %1$s", ["a", "b"], "b a"),
    ("%s %<s %s", ["a", "b"], "a a b"),
    ("%1$d %1$x %1$o", [-1], "-1 ffffffffffffffff 1777777777777777777777"),
    ("%,d", [1234567890], "1,234,567,890"),
    ("%(,.2f", [-1234567.891], "(1,234,567.89)"),
    ("%,015d", [-1234567], "-000001,234,567"),
    ("%08X", [255], "000000FF"),
    ("%#x", [255], "0xff"),
    ("%g", [0.0001], "0.000100000"),
    ("%g", [1234567.0], "1.23457e+06"),
    ("%e", [0.0], "0.000000e+00"),
    ("%S", [float("nan")], "NAN"),
    ("%015e", [float("inf")], "       Infinity"),
    ("100%% done%n", [], "100% done\n"),
    ("%-5%|", [], "%    |"),
    ("%.2s", ["hello"], "he"),
    ("%h", ["hello"], "5e918d2"),
    ("no specs", [1, 2], "no specs"),
])
def test_java_format_examples(fmt, args, expected):
    assert java_format(fmt, args) == expected


@pytest.mark.parametrize("fmt, args, exc", [
    ("%d", [1.5], "IllegalFormatConversionException"),
    ("%f", [3], "IllegalFormatConversionException"),
    ("%d", [True], "IllegalFormatConversionException"),
    ("%x", [1.0], "IllegalFormatConversionException"),
    ("%c", [65], "IllegalFormatConversionException"),
    ("%c", ["A"], "IllegalFormatConversionException"),
    ("%s %s", ["a"], "MissingFormatArgumentException"),
    ("%3$s", ["a"], "MissingFormatArgumentException"),
    ("%<s", ["a"], "MissingFormatArgumentException"),
    ("%q", [1], "UnknownFormatConversionException"),
    ("%D", [1], "UnknownFormatConversionException"),
    ("abc%", [], "UnknownFormatConversionException"),
    ("%.f", [1.0], "UnknownFormatConversionException"),
    ("%-d", [1], "MissingFormatWidthException"),
    ("%--5d", [1], "DuplicateFormatFlagsException"),
    ("%.2d", [1], "IllegalFormatPrecisionException"),
    ("%05s", ["x"], "FormatFlagsConversionMismatchException"),
    ("%#g", [1.0], "FormatFlagsConversionMismatchException"),
    ("%+ d", [1], "IllegalFormatFlagsException"),
    ("%5n", [], "IllegalFormatWidthException"),
    ("%0$s", ["a"], "IllegalFormatArgumentIndexException"),
])
def test_java_format_errors(fmt, args, exc):
    with pytest.raises(ValueError) as ei:
        java_format(fmt, args)
    assert str(ei.value).startswith(exc)


def test_module_does_not_import_numpy():
    import subprocess
    import sys
    code = ("import sys, dmlpy.runtime.javafmt; "
            "sys.exit(1 if 'numpy' in sys.modules else 0)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


def test_nan_bits_irrelevant():
    assert double_to_string(-math.nan) == "NaN"
    assert format_fixed(-math.nan, 2) == "NaN"


@pytest.mark.parametrize("fmt, args", [("%a", [1.0]), ("%tY", [1])])
def test_java_format_unsupported(fmt, args):
    with pytest.raises(ValueError) as ei:
        java_format(fmt, args)
    assert str(ei.value).startswith("UnsupportedFormatConversion")


def test_java_format_utf16_width_and_precision():
    # Java counts UTF-16 code units (recorded from Java 17)
    assert java_format("%5s|", ["\U0001F600"]) == "   \U0001F600|"
    assert java_format("%.2s", ["\U0001F600b"]) == "\U0001F600"
    assert java_format("%.3s|", ["ab\U0001F600c"]) == "ab?|"
    assert java_format("%-6S|", ["stra\u00dfe\U0001F600"]) == "STRASSE\U0001F600|"
