"""Source spans, the DMLError family and the one renderer of `file:line:col: error: message`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file: 1-based line and column of the start, and of the end (inclusive)."""

    file: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


# Source texts by file name, registered by the parser, so that errors can quote the faulty line.
_SOURCES: dict[str, str] = {}


def register_source(file: str, text: str) -> None:
    _SOURCES[file] = text


def source_line(file: str, line: int) -> str | None:
    text = _SOURCES.get(file)
    if text is None:
        try:
            with open(file, encoding="utf-8") as fh:
                text = fh.read()
        except OSError:
            return None
        _SOURCES[file] = text
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None


MAX_SHOWN = 200  # characters of a source line quoted under an error


@dataclass(slots=True)
class Diagnostic:
    span: Span | None
    message: str

    def render(self, kind: str = "error") -> str:
        if self.span is None:
            return f"{kind}: {self.message}"
        out = [f"{self.span}: {kind}: {self.message}"]
        text = source_line(self.span.file, self.span.line)
        if text is not None:
            start = self.span.col - 1
            if self.span.end_line == self.span.line and self.span.end_col >= self.span.col:
                width = self.span.end_col - self.span.col + 1
            else:
                width = 1
            if len(text) > MAX_SHOWN:  # a very long line: the part around the caret
                lo = max(0, min(start - MAX_SHOWN // 4, len(text) - MAX_SHOWN))
                hi = lo + MAX_SHOWN
                text = ("..." if lo else "") + text[lo:hi] + ("..." if hi < len(text) else "")
                start += 3 - lo if lo else 0
            prefix = "".join(c if c == "\t" else " " for c in text[:start])
            out.append("    " + text)
            out.append("    " + prefix + "^" + "~" * max(0, min(width, len(text) - start) - 1))
        return "\n".join(out)


class DMLError(Exception):
    """Any error in a DML program. Carries one or more diagnostics and the DML call stack."""

    kind = "error"

    def __init__(self, message: str, span: Span | None = None, *, diagnostics=None, stack=()):
        self.diagnostics: list[Diagnostic] = diagnostics or [Diagnostic(span, message)]
        self.stack: list[tuple[str, Span]] = list(stack)  # (description, call-site span)
        super().__init__(message)

    @property
    def message(self) -> str:
        return self.diagnostics[0].message

    @property
    def span(self) -> Span | None:
        return self.diagnostics[0].span

    @property
    def file(self):
        return self.span.file if self.span else None

    @property
    def line(self):
        return self.span.line if self.span else None

    @property
    def col(self):
        return self.span.col if self.span else None

    def render(self) -> str:
        parts = [d.render() for d in self.diagnostics]
        for what, span in self.stack:
            parts.append(f"{span}: note: {what}")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.render()


class DMLSyntaxError(DMLError):
    pass


class DMLValidationError(DMLError):
    """Static errors found before anything runs (all of them at once)."""


class DMLRuntimeError(DMLError):
    pass


class DMLStop(DMLRuntimeError):
    """Raised by stop() and a failed assert()."""


class OpError(Exception):
    """Raised by runtime helpers and kernels; the executor adds the span of the DML statement."""


class RuleError(Exception):
    """Raised by a builtin's type rule for an argument type that can never work."""
