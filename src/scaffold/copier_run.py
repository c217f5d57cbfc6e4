"""Copier's ``run_copy`` for renders into a fresh directory, with two costs removed.

Every scaffold render (``new``, ``update``'s base and target trees, ``cohort``) writes into a
directory that did not exist a moment before. Two things Copier does per file are wasted
there, and together they are about 40% of a render's CPU time:

- Copier compiles the Jinja source of every path part, the answers-file name and each
  templated default anew each time it renders them (about 1,100 compilations a render for
  some 120 distinct sources). Compiling each distinct source once gives the same output:
  a compiled template keeps no state between renders (Copier's yield extension forgets
  the last yield tag when a source is compiled; a reused source makes it forget too).
- Copier runs ``git config core.fileMode`` after writing each file, to copy an executable
  bit into the destination's git index when git ignores file modes. A file of a fresh
  directory is not in any index yet, so the check can only end in "nothing to do".

Both hook into Copier's ``Worker``, which Copier marks as internal. When a Copier release
no longer has the hooks this relies on, :func:`run_copy` falls back to ``copier.run_copy``
(slower, same files); ``tests/unit/test_copier_run.py`` fails so the team notices.
"""

from __future__ import annotations

import functools
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2.ext import Extension

__all__ = ["fast_worker", "run_copy"]


def _compile_once(env: Any, yield_extension: type[Any]) -> None:
    """Make ``env.from_string`` reuse the compiled template of a source it has seen.

    Compiling runs each extension's ``preprocess`` hook, and Copier's yield extension uses
    that hook to forget the previous render's yield tag; the reused path runs the hook too.
    An environment with any other preprocessing extension is left as it is.
    """
    preprocessors = [
        extension
        for extension in env.extensions.values()
        if type(extension).preprocess is not Extension.preprocess
    ]
    if not all(isinstance(extension, yield_extension) for extension in preprocessors):
        return
    compile_source = env.from_string
    compiled = functools.lru_cache(maxsize=4096)(compile_source)

    def from_string(source: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(source, str):
            return compile_source(source, *args, **kwargs)
        for extension in preprocessors:
            extension.preprocess(source, None)
        return compiled(source)

    env.from_string = from_string


@functools.cache
def fast_worker() -> type[Any] | None:
    """Copier's ``Worker`` with both costs removed, or None when Copier changed its hooks."""
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
            _compile_once(env, YieldExtension)
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
