"""A file's MIME type: from its name for text and source code, else sniffed by libmagic."""

import mimetypes
import os
import threading

import magic

from indexer.extract.plaintext import EMPTY_CONTENT_TYPE, is_textual

SNIFF_BYTES = 8192
_SOURCE_TYPES = {
    ".py": "text/x-python",
    ".md": "text/markdown",
    ".rst": "text/x-rst",
    ".rs": "text/x-rust",
    ".go": "text/x-go",
    ".ts": "text/x-typescript",
    ".tsx": "text/x-typescript",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".toml": "application/toml",
    ".sh": "text/x-shellscript",
    ".c": "text/x-c",
    ".h": "text/x-c",
    ".cpp": "text/x-c++",
    ".hpp": "text/x-c++",
    ".java": "text/x-java",
    ".rb": "text/x-ruby",
    ".sql": "application/sql",
    ".csv": "text/csv",
    ".html": "text/html",
    ".log": "text/plain",
    ".ini": "text/plain",
    ".cfg": "text/plain",
}
# Built-in table only, so the answer doesn't depend on the host's /etc/mime.types.
_MIMETYPES = mimetypes.MimeTypes()
_thread_state = threading.local()


def content_type(os_path: str, head: bytes, size: int) -> str:
    """Return the MIME type of the file at `os_path` whose first bytes are `head`."""
    if size == 0:
        return EMPTY_CONTENT_TYPE
    block = head[:SNIFF_BYTES]
    # libmagic spends 0.3-0.8 ms on a text block, ~40x the cost of hashing a small file, and its
    # text/* answer would be overridden by the extension anyway: only ask it when that can't.
    by_name = None if block.find(b"\0") >= 0 else _type_from_name(os_path)
    return by_name or _sniff(block)


def _type_from_name(os_path: str) -> str | None:
    extension = os.path.splitext(os_path)[1].lower()
    if extension in _SOURCE_TYPES:
        return _SOURCE_TYPES[extension]
    guessed, _ = _MIMETYPES.guess_type(os_path)
    return guessed if guessed and is_textual(guessed) else None


def _sniff(block: bytes) -> str:
    # A libmagic handle is not thread-safe; one per reader thread avoids serialising on a lock.
    sniffer = getattr(_thread_state, "magic", None)
    if sniffer is None:
        sniffer = _thread_state.magic = magic.Magic(mime=True)
    try:
        return sniffer.from_buffer(block)
    except magic.MagicException:
        return "application/octet-stream"
