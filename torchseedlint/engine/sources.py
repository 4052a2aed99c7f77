"""Turning bytes on disk into source text, and back, without losing a byte.

The encoding is found the way Python finds it (UTF-8 BOM, PEP 263 cookie,
default UTF-8) so ``--fix`` can write a latin-1 file back as latin-1.
"""

from __future__ import annotations

import codecs
import io
import tokenize
import warnings
from dataclasses import dataclass
from typing import Optional


class SourceError(Exception):
    """The file cannot be turned into Python source text (reported as TSL000)."""


@dataclass(frozen=True)
class DecodedSource:
    text: str
    encoding: str  # a codec name Python accepts
    bom: bool

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


def decode_source(data: bytes) -> DecodedSource:
    if b"\x00" in data:
        raise SourceError("file contains a null byte (is it a binary file?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "missing encoding declaration" in str(exc):
            # detect_encoding found no cookie and the first lines are not UTF-8.
            encoding = "utf-8"
        else:
            raise SourceError(f"invalid encoding declaration: {exc}") from exc
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"cannot decode as {codec} at byte {exc.start}: {exc.reason}"
            " (declare the encoding with a `# -*- coding: ... -*-` line)"
        ) from exc
    return DecodedSource(text, codec, bom)


def cpython_syntax_error(text: str, path: str) -> Optional[Exception]:
    """Why CPython refuses to compile ``text`` (None when it compiles).

    Warnings about the user's code (``"a"()``) are silenced: they are for the
    user's own interpreter to print, not for a linter run.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return exc
    return None
