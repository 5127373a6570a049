"""Extractors that hang, crash or eat memory, for the worker pool's tests (workers import it)."""

import os
import signal
import time
from dataclasses import replace
from typing import ClassVar

from indexer.extract import Extraction, Extractor, Limits, Registry, Source
from indexer.extract.plaintext import PlainTextExtractor


class _ByExtension(Extractor):
    version: ClassVar[int] = 1

    def accepts(self, content_type: str, extension: str) -> bool:
        return extension in self.extensions


class Hangs(_ByExtension):
    name: ClassVar[str] = "hangs"
    extensions: ClassVar[frozenset[str]] = frozenset({".hang"})

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        time.sleep(3600)
        raise AssertionError("unreachable")


class Crashes(_ByExtension):
    name: ClassVar[str] = "crashes"
    extensions: ClassVar[frozenset[str]] = frozenset({".crash"})

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        os.kill(os.getpid(), signal.SIGSEGV)
        raise AssertionError("unreachable")


class EatsMemory(_ByExtension):
    name: ClassVar[str] = "eats"
    extensions: ClassVar[frozenset[str]] = frozenset({".eat"})

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        hoard = bytearray(16 << 30)
        raise AssertionError(f"allocated {len(hoard)} bytes")


class IsolatedText(PlainTextExtractor):
    isolated: ClassVar[bool] = True

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        return super().extract(replace(source, head=source.read()), limits=limits)


MISBEHAVING = Registry([Hangs(), Crashes(), EatsMemory(), IsolatedText()])
