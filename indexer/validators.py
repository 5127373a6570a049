"""Limits on what a FileIndex row can hold, checked before the database sees a value."""

import os

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_PATH_CHARS = 1024
# PostgreSQL refuses b-tree index entries past ~2.7 kB; stay well under it.
MAX_PATH_BYTES = 2048


def path_length_error(path: str) -> str | None:
    """Return why `path` is too long to store, or None when it fits."""
    if len(path) * 4 <= MAX_PATH_BYTES:
        return None  # at most 4 bytes a character: fits without encoding it
    if len(path) > MAX_PATH_CHARS:
        return f"path has {len(path)} characters; the limit is {MAX_PATH_CHARS}"
    return _path_bytes_error(path)


def validate_file_path(path: str) -> None:
    """Check the byte limit; the field's max_length already checks characters."""
    if error := _path_bytes_error(path):
        raise ValidationError(_("File path is too long: %(error)s."), params={"error": error})


def folder_path(path: str) -> str:
    """Normalize an absolute folder path ("/a/b/" -> "/a/b"); raise ValidationError if relative."""
    if not path.startswith("/"):
        raise ValidationError(_("Enter an absolute folder, such as /srv/files/hr."))
    return os.path.normpath(path).replace("//", "/")


def _path_bytes_error(path: str) -> str | None:
    size = len(path.encode("utf-8", "surrogateescape"))
    if size > MAX_PATH_BYTES:
        return f"path has {size} bytes in UTF-8; the limit is {MAX_PATH_BYTES}"
    return None
