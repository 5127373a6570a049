"""Archives: zip, tar (plain, gzip, bzip2, xz), and single compressed files as what they hold."""

import bz2
import gzip
import io
import lzma
import os
import tarfile
import zipfile
from collections.abc import Callable
from typing import BinaryIO, ClassVar

from indexer.extract.base import Extraction, Extractor, Full, Limits, Source, Status
from indexer.extract.members import Members, read_capped

ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed"})
TAR_TYPES = frozenset({"application/x-tar", "application/x-gtar"})
COMPRESSED: dict[str, Callable[[BinaryIO], io.BufferedIOBase]] = {
    "application/gzip": lambda stream: gzip.GzipFile(fileobj=stream),
    "application/x-gzip": lambda stream: gzip.GzipFile(fileobj=stream),
    "application/x-bzip2": bz2.BZ2File,
    "application/x-xz": lzma.LZMAFile,
}
# A member whose claimed expansion is past the ratio is only a bomb when it is this large.
BOMB_MIN_BYTES = 1 << 20


class ArchiveExtractor(Extractor):
    name: ClassVar[str] = "archive"
    version: ClassVar[int] = 1
    extensions: ClassVar[frozenset[str]] = frozenset({".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz"})

    def accepts(self, content_type: str, extension: str) -> bool:
        return content_type in ZIP_TYPES or content_type in TAR_TYPES or content_type in COMPRESSED

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        members = Members(self.registry, limits)
        try:
            with source.open() as stream:
                if source.content_type in ZIP_TYPES:
                    _read_zip(stream, members, limits)
                elif not _read_tar(stream, members):
                    stream.seek(0)
                    return _read_compressed(stream, source, members, self.key())
        except Full:
            pass
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, lzma.LZMAError) as error:
            return Extraction(
                self.key(), Status.FAILED, detail=f"{type(error).__name__}: {error}"[:255]
            )
        return members.extraction(self.key())


def _read_zip(stream, members: Members, limits: Limits) -> None:
    with zipfile.ZipFile(stream) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            if members.full():
                return
            if info.flag_bits & 0x1:
                members.leave_out("skipped: encrypted")
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.archive_max_ratio and info.file_size > BOMB_MIN_BYTES:
                members.leave_out(f"skipped: expand over {limits.archive_max_ratio}x")
                continue
            with archive.open(info) as member:
                data, complete = read_capped(member, members.room())
            members.take(info.filename, data, complete=complete)


def _read_tar(stream, members: Members) -> bool:
    """Read a tar archive, compressed or not; False if the stream is not one."""
    try:
        archive = tarfile.open(fileobj=stream, mode="r|*")  # noqa: SIM115 (closed below)
    except tarfile.TarError:
        return False
    with archive:
        for info in archive:
            if not info.isfile():
                continue
            if members.full():
                return True
            extracted = archive.extractfile(info)
            if extracted is None:
                continue
            data, complete = read_capped(extracted, members.room())
            members.take(info.name, data, complete=complete)
    return True


def _read_compressed(stream, source: Source, members: Members, key: str) -> Extraction:
    """Read a single compressed file as the file it holds (NEWS.Debian.gz as NEWS.Debian)."""
    with COMPRESSED[source.content_type](stream) as inner:
        data, complete = read_capped(inner, members.room())
    name = os.path.splitext(os.path.basename(source.os_path))[0]
    held = members.registry.extract_member(name, data, limits=members.limits)
    if complete:
        return Extraction(key, held.status, held.segments, held.detail, held.encoding)
    detail = f"only the first {len(data)} bytes were read (INDEX_ARCHIVE_MAX_BYTES)"
    return Extraction(key, Status.TRUNCATED, held.segments, detail, held.encoding)
