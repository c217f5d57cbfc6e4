"""Copier's ``run_copy`` for renders into a fresh directory, without its repeated work.

Every scaffold render (``new``, ``update``'s base and target trees, each repo of a
``cohort``) writes into a directory that did not exist a moment before. Two things Copier
does there are wasted, and together they are most of a render's CPU time:

- Copier compiles Jinja source again and again: every path part, the answers-file name and
  each templated default each time it renders them (about 1,100 compilations a render for
  some 120 distinct sources), and every template file once per render even when the same
  process rendered it a moment ago (a cohort renders dozens of repos from one template).
  Here each distinct source is compiled once per process and its code reused; the compiled
  code depends only on the source and the environment's syntax settings, which are part of
  the key. Copier's yield extension forgets the last ``yield`` tag whenever a source is
  compiled, so a reused source makes it forget too.
- Copier runs ``git config core.fileMode`` after writing each file, to copy an executable
  bit into the destination's git index when git ignores file modes. A file of a fresh
  directory is not in any index yet, so the check can only end in "nothing to do".

Both hook into Copier's ``Worker``, which Copier marks as internal. When a Copier release
no longer has the hooks this relies on, :func:`run_copy` falls back to ``copier.run_copy``
(slower, same files); ``tests/unit/test_copier_run.py`` fails so the team notices, and
``tests/templates/test_fast_render.py`` compares both on a real template byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import cached_property
from pathlib import Path
from types import CodeType
from typing import Any

from jinja2.bccache import Bucket, BytecodeCache
from jinja2.ext import Extension

__all__ = ["fast_worker", "run_copy"]

#: What compiled code depends on besides the source (jinja2's lexer and code generator).
_SYNTAX = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "autoescape",
)


class _CodeCache:
    """Compiled template code by (environment syntax, source), the most recent 4,096."""

    def __init__(self, size: int = 4096) -> None:
        self._codes: OrderedDict[Hashable, CodeType] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> CodeType | None:
        with self._lock:
            code = self._codes.get(key)
            if code is not None:
                self._codes.move_to_end(key)
            return code

    def put(self, key: Hashable, code: CodeType) -> None:
        with self._lock:
            self._codes[key] = code
            self._codes.move_to_end(key)
            while len(self._codes) > self._size:
                self._codes.popitem(last=False)


_CODES = _CodeCache()
#: A small number for each distinct set of environment settings seen by this process.
_SYNTAX_IDS: dict[Hashable, int] = {}


class _FileCodeCache(BytecodeCache):
    """jinja2's bytecode cache for template files, kept in :data:`_CODES`."""

    def __init__(self, syntax: int, forget: Callable[[str, str | None], None]) -> None:
        self._syntax = syntax
        self._forget = forget

    def get_bucket(self, environment: Any, name: str, filename: str | None, source: str) -> Bucket:
        checksum = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()
        bucket = Bucket(environment, f"{self._syntax}\0{name}\0{filename}\0{checksum}", checksum)
        bucket.code = _CODES.get(bucket.key)
        if bucket.code is not None:
            self._forget(source, name)
        return bucket

    def set_bucket(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            _CODES.put(bucket.key, bucket.code)


def _reuse_compiled_code(env: Any, yield_extension: type[Any]) -> None:
    """Make ``env`` compile each distinct source once per process.

    Compiling runs each extension's ``preprocess`` hook, and Copier's yield extension uses
    that hook to forget the previous yield tag; reused code runs the hook too. An
    environment with any other preprocessing extension is left as it is.
    """
    preprocessors = [
        extension
        for extension in env.extensions.values()
        if type(extension).preprocess is not Extension.preprocess
    ]
    if not all(isinstance(extension, yield_extension) for extension in preprocessors):
        return
    settings = (
        type(env),
        env.undefined,
        env.finalize,
        tuple(sorted(env.extensions)),
        *(getattr(env, name) for name in _SYNTAX),
    )
    syntax = _SYNTAX_IDS.setdefault(settings, len(_SYNTAX_IDS))

    def forget(source: str, name: str | None) -> None:
        for extension in preprocessors:
            extension.preprocess(source, name)

    compile_source = env.from_string

    def from_string(source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if not isinstance(source, str):
            return compile_source(source, globals, template_class)
        key = (syntax, source)
        code = _CODES.get(key)
        if code is None:
            code = env.compile(source)
            _CODES.put(key, code)
        else:
            forget(source, None)
        cls = template_class or env.template_class
        return cls.from_code(env, code, env.make_globals(globals), None)

    env.from_string = from_string
    env.bytecode_cache = _FileCodeCache(syntax, forget)


@functools.cache
def fast_worker() -> type[Any] | None:
    """Copier's ``Worker`` without the repeated work, or None when Copier changed its hooks."""
    try:
        from copier._jinja_ext import YieldExtension
        from copier._main import Worker
    except ImportError:
        return None
    env_property = Worker.__dict__.get("jinja_env")
    if not isinstance(env_property, cached_property) or not hasattr(
        Worker, "_sync_git_index_executable_bit"
    ):
        return None
    make_env = env_property.func

    class FreshTreeWorker(Worker):
        """A Worker for a destination that is a new, empty, untracked directory."""

        @cached_property
        def jinja_env(self) -> Any:
            env = make_env(self)
            _reuse_compiled_code(env, YieldExtension)
            return env

        def _sync_git_index_executable_bit(self, dst_relpath: Path, src_mode: int) -> None:
            """No file of a fresh directory is tracked: there is no index entry to fix."""

    return FreshTreeWorker


def run_copy(src_path: str, dst_path: Path, **options: Any) -> None:
    """``copier.run_copy(src_path, dst_path, **options)`` into a fresh directory."""
    worker = fast_worker()
    if worker is None:
        import copier

        copier.run_copy(src_path, dst_path, **options)
        return
    with worker(src_path=src_path, dst_path=dst_path, **options) as running:
        running.run_copy()
