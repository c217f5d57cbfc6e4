"""Reading the text files users hand to scaffold (answers files, rosters): bounded and decoded.

Spreadsheets and editors save text in more than one encoding: Excel writes CSV in the
machine's code page (cp1252 in western Europe and the Americas) or as UTF-16 ("Unicode
text"), Notepad adds a UTF-8 byte-order mark. :func:`read_user_text` accepts each of these,
and refuses a file that is too large or is not text at all, naming what it found.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import UsageError

#: Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class UserText:
    """A decoded file and the encoding it was read with."""

    text: str
    encoding: str


class UserFileError(UsageError):
    """A file given on the command line is missing, too large or not readable text."""

    def __init__(self, path: Path, problem: str, hint: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"cannot read {path}: {problem}", hint)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a mark: ASCII-heavy text has a NUL in every other byte."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode_user_bytes(data: bytes) -> UserText:
    """Decode ``data``: a byte-order mark, else UTF-8, UTF-16, then cp1252 / Latin-1.

    Raises:
        ValueError: the bytes are not text in any of these encodings (e.g. a binary file).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return UserText(data[len(bom) :].decode(encoding), encoding + " with BOM")
            except UnicodeDecodeError as exc:
                raise ValueError(f"it starts with a {encoding} mark but is not {encoding}") from exc
    guess = _utf16_without_bom(data)
    candidates = [guess] if guess else []
    candidates += ["utf-8", "cp1252", "latin-1"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise ValueError("it contains NUL bytes: it looks like a binary file, not text")
        return UserText(text, encoding)
    raise ValueError("it is not text")  # unreachable: Latin-1 decodes every byte


def read_user_text(path: Path, *, limit: int, what: str) -> UserText:
    """Read the ``what`` file at ``path`` (at most ``limit`` bytes) and decode it.

    Raises:
        UserFileError: missing, unreadable, larger than ``limit`` or not text.
    """
    save_as = f"save the {what} as UTF-8 text (in Excel: CSV UTF-8) and try again"
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except IsADirectoryError:
        raise UserFileError(path, "it is a directory", f"pass the {what} file itself") from None
    except OSError as exc:
        raise UserFileError(path, exc.strerror or "it cannot be read", save_as) from exc
    if len(data) > limit:
        raise UserFileError(
            path,
            f"it is larger than {limit // 1024} KiB",
            f"a {what} is small text; check that this is the right file",
        )
    try:
        return decode_user_bytes(data)
    except ValueError as exc:
        raise UserFileError(path, str(exc), save_as) from exc
