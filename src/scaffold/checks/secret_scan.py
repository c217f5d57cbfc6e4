"""Find credentials in text, and tell a leaked key from a development default.

Three classes of match:

- **fail**: a credential in a known provider format (AWS, GitHub, GitLab, Slack, Stripe,
  OpenAI, Anthropic, Google, Hugging Face, SendGrid, npm, PyPI, Azure storage), a private
  key block with key material after it, a Slack or Discord webhook URL, or a high-entropy
  value assigned to a secret-named key (``API_KEY = "..."``) outside tests and examples.
- **warn**: a well-known development default assigned to a secret-named key or used as a
  URL's password (``POSTGRES_PASSWORD=postgres``, ``SECRET_KEY=secret``), and high-entropy
  values in tests, fixtures and examples.
- nothing: hashes and ids (their keys are not secret-named), placeholders
  (``your-api-key``, ``nokeyneeded``, ``${VAR}``, ``<token>``), references to the
  environment, notebook outputs, images, lock files, binaries and base64 blobs.

Findings carry the SHA-1 of the value (detect-secrets' ``hashed_secret``), so an audited
``.secrets.baseline`` keeps working; a ``pragma: allowlist secret`` comment skips its line.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

#: Files larger than this are data, not configuration or code.
MAX_BYTES = 1_000_000
#: Notebooks are larger (their outputs, which are not scanned, embed images).
MAX_NOTEBOOK_BYTES = 30_000_000
#: In the history, a notebook version this large is almost all outputs; it is not read.
MAX_HISTORY_NOTEBOOK_BYTES = 5_000_000
_SUFFIX_WORDS = """png jpg jpeg gif bmp ico webp tif tiff svg psd heic avif eps pdf
    mp3 mp4 wav ogg flac
    avi mov mkv webm zip gz tgz bz2 xz 7z rar tar zst jar war whl egg so dll dylib exe bin o a
    pyc pyo class woff woff2 ttf otf eot pkl pickle joblib pt pth ckpt safetensors onnx h5 hdf5
    keras tflite pb npy npz parquet feather arrow avro orc db sqlite sqlite3 duckdb mdb lance
    faiss index model csv tsv min.js map lock sum"""
_SKIP_SUFFIXES = frozenset(_SUFFIX_WORDS.split())
_SKIP_NAMES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "pipfile.lock",
        "cargo.lock",
        "composer.lock",
        "gemfile.lock",
        "go.sum",
        "conda-lock.yml",
        ".secrets.baseline",
    }
)
_ALLOW = re.compile(r"pragma:\s*allowlist[ -]secret|gitleaks:allow|noqa:\s*secret", re.I)
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
#: A match inside a run of base64 this long is part of an embedded blob (an image, a model).
_BASE64_RUN = 120

#: Provider formats. Each pattern starts with a literal (fast to search for); a match preceded
#: by a letter or digit is part of a longer word and is not reported.
_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("AWS Access Key", r"A(?:KIA|SIA|BIA|CCA)[A-Z0-9]{16}\b"),
    ("GitHub Token", r"gh[pousr]_[A-Za-z0-9]{36}\b|github_pat_\w{82}\b"),
    ("GitLab Token", r"glpat-[A-Za-z0-9_-]{20}\b"),
    ("Slack Token", r"xox[abposr]-(?:\d+-)+[0-9A-Za-z]{10,}"),
    ("Slack Webhook", r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}"),
    (
        "Discord Webhook",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[\w-]{50,}",
    ),
    ("Stripe Key", r"[sr]k_live_[0-9A-Za-z]{20,}\b"),
    ("Anthropic Key", r"sk-ant-(?:api|admin)\d\d-[\w-]{80,}"),
    (
        "OpenAI Key",
        r"sk-(?:(?:proj-|svcacct-|admin-)?[\w-]{16,}T3BlbkFJ[\w-]{16,}|proj-[\w-]{80,}"
        r"|[A-Za-z0-9]{48}\b)",
    ),
    ("Google API Key", r"AIza[0-9A-Za-z_-]{35}\b"),
    ("Hugging Face Token", r"hf_[A-Za-z]{34}\b"),
    ("SendGrid Key", r"SG\.[\w-]{22}\.[\w-]{43}\b"),
    ("npm Token", r"npm_[A-Za-z0-9]{36}\b"),
    ("PyPI Token", r"pypi-AgEIcHlwaS5vcmc[\w-]{50,}"),
    ("Azure Storage Key", r"AccountKey=[A-Za-z0-9+/]{86}=="),
    ("JSON Web Token", r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{16,}"),
)
_PROVIDER_RES = tuple((kind, re.compile(rx)) for kind, rx in _PROVIDERS)
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----(?P<rest>.*)")
_KEY_MATERIAL = re.compile(r"^(?:\\n|\\r\\n|\s)*(?:[A-Za-z0-9+/=]{16,}|Proc-Type:)")
#: Where a secret-named key may start, searched in the lower-cased text.
_NAME_HIT = re.compile(
    r"pass(?:word|wd|phrase)?|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key"
    r"|private[_.-]?key|auth[_.-]?key|credential|signing[_.-]?key"
)
_LOCAL_URL = re.compile(r"localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]")
_IDENT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
#: What follows a secret-named key: ``= "value"``, ``: value``, ``": "value"``.
_VALUE_AFTER = re.compile(
    r"[\"']?[ \t]*(?::=|=>|(?<![=!<>])=(?!=)|:)[ \t]*(?P<q>[\"'`]?)"
    r"(?P<value>[^\s\"'`,;)}\]]{1,200})(?P=q)"
)
_NOT_SECRET_NAME = re.compile(
    r"(?:_id|id|hash|sha|digest|file|path|dir|url|uri|endpoint|name|env|header|type|length|len"
    r"|field|prompt|max|min|count|var|input|label|placeholder|mask|policy|reset|expir\w*|ttl"
    r"|timeout|age|format|version|manager|provider|store|class|kind|mode|size|limit|param"
    r"|scheme|required|enabled|validator|validation|hasher|hashers|backend|source|help|regex"
    r"|pattern|prefix|suffix|key_name|location|query|description|strength|rotation|at|count)$"
    r"|^(?:is|has|use|no|show|get|set|check|verify|validate|generate|forgot|reset)[_.-]",
    re.I,
)
_URL_PASSWORD = re.compile(r"://(?P<user>[^\s:/@'\"]{1,100}):(?P<value>[^\s@/'\"]{1,200})@")

_DEV_WORDS = """postgres postgresql mysql mariadb redis mongo mongodb rabbitmq guest
    admin administrator
    root secret secrets password passwd pass changeme change-me change_me changethis
    change-this test tests testing testpass testpassword dev development local localdev
    default demo sample example mysecret mysecretkey secretkey secret-key secret_key
    supersecret super-secret qwerty letmein 123456 12345678 password1 password123 pa55word
    minioadmin airflow mlflow jupyter user username insecure notasecret not-a-secret
    django-insecure dummy fake foobar foo bar"""
#: Values that are development defaults when assigned to a secret-named key.
DEV_DEFAULTS = frozenset(_DEV_WORDS.split())
_PLACEHOLDER = re.compile(
    r"^[\W_]*$|^(.)\1+$|your|xxx|\*\*\*|\.\.\.|<|>|\{|\}|\$|%\(|example|placeholder|dummy"
    r"|fake|sample|nokey|no[-_]?key|not[-_]?needed|not[-_]?set|none|null|undefined|todo"
    r"|replace|insert|redacted|changeme|my[-_]?(?:api[-_]?)?key|^sk-\.+|^(?:true|false)$",
    re.I,
)
_CODE_REFERENCE = re.compile(
    r"^(?:os\.|env\b|environ|getenv|process\.env|settings\.|config\.|self\.|request\.|args\.)"
    r"|\($|\[$",
)
_TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|testing|spec|specs|fixtures?|examples?|samples?|demo|docs?|notebooks?"
    r"|mocks?|stubs?)/|(?:^|/)(?:test_[^/]*|[^/]*_test\.\w+|conftest\.py|[^/]*\.(?:example"
    r"|sample|template|dist|jinja))$|(?:^|/)(?:docker-)?compose[^/]*\.ya?ml$"
    r"|(?:^|/)\.env\.(?:example|sample|template|dist|test|dev|development|local)$"
    r"|(?:^|/)[^/]*(?:dev|local|test)[^/]*\.(?:ya?ml|env|ini|cfg|toml|json)$",
    re.I,
)
_CODE_SUFFIXES = frozenset({"py", "js", "ts", "tsx", "jsx", "go", "rb", "java", "kt", "rs", "cs"})


@dataclass(frozen=True)
class Hit:
    """One possible secret: what it is, whether it only warns, its 1-based line, value hash."""

    kind: str
    warning: bool
    line: int | None
    hashed: str
    where: str = ""

    def message(self) -> str:
        """The finding's text (never the value)."""
        return f"{self.kind}{self.where}"


def scannable(path: str, size: int | None = None) -> bool:
    """Whether ``path`` is a file that can hold a secret in text (by name and size)."""
    name = PurePosixPath(path).name.lower()
    limit = MAX_NOTEBOOK_BYTES if name.endswith(".ipynb") else MAX_BYTES
    if name in _SKIP_NAMES or (size is not None and size > limit):
        return False
    parts = name.split(".")
    return not (
        len(parts) > 1 and (parts[-1] in _SKIP_SUFFIXES or ".".join(parts[-2:]) in _SKIP_SUFFIXES)
    )


def _hash(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8"), usedforsecurity=False).hexdigest()


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _high_entropy(value: str) -> bool:
    if len(value) < 16 or not re.search(r"\d", value) or not re.search(r"[A-Za-z]", value):
        return False
    return _entropy(value) >= (3.0 if re.fullmatch(r"[0-9a-fA-F]+", value) else 3.5)


def _classify_value(value: str, testish: bool, what: str) -> tuple[str, bool] | None:
    """Return ``(kind, warning)`` for a value assigned to a secret, or None for no secret."""
    low = value.lower().strip()
    if low in DEV_DEFAULTS or low.startswith("django-insecure"):
        return f"development default as a {what}", True
    if _PLACEHOLDER.search(value) or _CODE_REFERENCE.search(value):
        return None
    if _high_entropy(value):
        return (
            (f"possible {what} in a test or example", True)
            if testish
            else (
                f"possible {what}",
                False,
            )
        )
    return None


class _Text:
    """A text with its line starts, to turn match offsets into lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        return bisect.bisect_right(self._starts, offset)

    def line_text(self, offset: int) -> str:
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return self.text[start : end if end >= 0 else len(self.text)]


def _in_local_url(text: str, start: int) -> bool:
    """Whether ``start`` is inside a URL of a local server (``http://localhost:8888/?token=``)."""
    if not start or text[start - 1] not in "?&/;":
        return False
    word = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), text.rfind("\t", 0, start))
    return bool(_LOCAL_URL.search(text, word + 1, start))


def _in_base64(text: str, start: int, end: int) -> bool:
    left, right = start, end
    while left > 0 and start - left < _BASE64_RUN and text[left - 1] in _BASE64:
        left -= 1
    while right < len(text) and right - end < _BASE64_RUN and text[right] in _BASE64:
        right += 1
    return right - left >= _BASE64_RUN + (end - start)


def _assignments(
    doc: _Text, testish: bool, code: bool
) -> Iterator[tuple[int, str, tuple[str, bool]]]:
    """Yield ``(offset, value, (kind, warning))`` for values assigned to secret-named keys."""
    text, lower = doc.text, doc.text.lower()
    seen: set[int] = set()
    for m in _NAME_HIT.finditer(lower):
        start, end = m.start(), m.end()
        while start > 0 and m.start() - start < 64 and text[start - 1] in _IDENT:
            start -= 1
        while end < len(text) and end - m.end() < 64 and text[end] in _IDENT:
            end += 1
        if start in seen:
            continue
        seen.add(start)
        if _in_local_url(text, start):
            continue  # a token in a local server's URL (a pasted Jupyter log): ephemeral
        after = _VALUE_AFTER.match(text, end)
        if after is None or _NOT_SECRET_NAME.search(text[start:end]):
            continue
        if code and not after["q"]:  # in code an unquoted value is a variable
            continue
        level = _classify_value(after["value"], testish, "secret-named value")
        if level is not None:
            yield after.start("value"), after["value"], level


def _scan(path: str, text: str) -> list[Hit]:
    """Return the possible secrets in ``text``, the content of the file ``path``."""
    doc = _Text(text)
    testish = bool(_TEST_PATH.search(path))
    code = PurePosixPath(path).suffix.lstrip(".").lower() in _CODE_SUFFIXES
    found: list[tuple[int, str, bool, str]] = []
    for kind, pattern in _PROVIDER_RES:
        for m in pattern.finditer(text):
            value = m.group(0)
            if m.start() and text[m.start() - 1].isalnum():
                continue
            if (
                _in_base64(text, m.start(), m.end())
                or "EXAMPLE" in value.upper()
                or _PLACEHOLDER.search(value.replace("-", ""))
            ):
                continue
            token_in_test = kind == "JSON Web Token" and testish
            found.append((m.start(), f"possible {kind}", token_in_test, value))
    providers = {value for *_, value in found}
    for offset, value, (kind, warning) in _assignments(doc, testish, code):
        if not any(value in p or p in value for p in providers):
            found.append((offset, kind, warning, value))
    for m in _URL_PASSWORD.finditer(text):
        url_level = _classify_value(m["value"], testish, "password in a URL")
        if url_level is not None:
            found.append((m.start("value"), *url_level, m["value"]))
    for m in _PRIVATE_KEY.finditer(text):
        rest = m["rest"] or text[m.end() + 1 : m.end() + 200]
        if _KEY_MATERIAL.match(rest):
            found.append((m.start(), "possible Private Key", False, m.group(0)))
    hits = []
    for offset, kind, warning, value in sorted(found):
        if not _ALLOW.search(doc.line_text(offset)):
            hits.append(Hit(kind, warning, doc.line_of(offset), _hash(value)))
    return hits


def scan_text(path: str, data: bytes, seen: set[str] | None = None) -> list[Hit]:
    """Return the possible secrets in a file's content; binary content has none.

    Args:
        path: The file's path (its name and directory decide what is a test or an example).
        data: The file's content.
        seen: Lines already scanned in other blobs (other versions of the file), skipped and
            updated: a history is scanned line by distinct line, not version by version.
    """
    if b"\0" in data[:8192]:
        return []
    text = data.decode("utf-8", errors="replace")
    notebook = path.lower().endswith(".ipynb")
    if seen is not None:
        lines = text.split("\n")
        fresh = "\n".join(["" if line in seen else line for line in lines])
        seen.update(lines)
        if notebook:  # parse only a version whose new lines may hold a secret
            short = "\n".join(line for line in fresh.split("\n") if len(line) < 1000)
            return _scan_notebook(path, text, seen) if _candidate(short) else []
        text = fresh
    return _scan_notebook(path, text) if notebook else _scan(path, text)


def _candidate(text: str) -> bool:
    """Whether ``text`` has anything a secret could start with (a cheap first pass)."""
    return any(
        p.search(text) for p in (*(rx for _, rx in _PROVIDER_RES), _URL_PASSWORD, _PRIVATE_KEY)
    ) or bool(_NAME_HIT.search(text.lower()))


def _scan_notebook(path: str, text: str, seen: set[str] | None = None) -> list[Hit]:
    """Scan the sources of a notebook's cells; outputs (images, printed tables) are skipped.

    The cells are scanned as one text (one pass of each pattern), then each hit is mapped
    back to its cell. With ``seen``, source lines already scanned in another version are
    skipped.
    """
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError):
        return _scan(path, text)
    lines: list[str] = []
    where: list[tuple[int, int]] = []
    for index, cell in enumerate(cells if isinstance(cells, list) else [], 1):
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        cell_lines = ("".join(source) if isinstance(source, list) else str(source)).split("\n")
        for number, line in enumerate(cell_lines, 1):
            fresh = True
            if seen is not None:
                key = f"\0cell {line}"
                fresh = key not in seen
                seen.add(key)
            lines.append(line if fresh else "")
            where.append((index, number))
        lines.append("")  # a private key's material must not run on into the next cell
        where.append((index, len(cell_lines) + 1))
    hits = []
    for hit in _scan(path, "\n".join(lines)):
        cell, number = where[(hit.line or 1) - 1]
        hits.append(Hit(hit.kind, hit.warning, None, hit.hashed, f" (cell {cell}, line {number})"))
    return hits
