"""E-mail: one message (.eml), or an mbox file of many; attachments extracted as members."""

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import ClassVar

from indexer.extract.base import Extraction, Extractor, Full, Limits, Source
from indexer.extract.html import html_text
from indexer.extract.members import Members, read_capped

HEADERS = ("From", "To", "Cc", "Subject", "Date")
# mbox separates messages with a "From " line at the start of a line (after a blank one).
_MBOX_SEPARATOR = re.compile(rb"(?:\A|\n)From [^\n]*\n")
_PARSER = BytesParser(policy=policy.default)


class MailExtractor(Extractor):
    name: ClassVar[str] = "mail"
    version: ClassVar[int] = 1
    extensions: ClassVar[frozenset[str]] = frozenset({".eml", ".mbox"})

    def accepts(self, content_type: str, extension: str) -> bool:
        return (
            content_type in ("message/rfc822", "application/mbox") or extension in self.extensions
        )

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        members = Members(self.registry, limits)
        with source.open() as stream:
            data, complete = read_capped(stream, limits.archive_max_bytes)
        if not complete:
            members.leave_out("cut at the limit of uncompressed bytes")
        is_mbox = source.content_type == "application/mbox" or data.startswith(b"From ")
        messages = [m for m in _MBOX_SEPARATOR.split(data) if m.strip()] if is_mbox else [data]
        try:
            for number, raw in enumerate(messages, start=1):
                prefix = f"message {number}" if is_mbox else None
                _read_message(_PARSER.parsebytes(raw), members, prefix)
        except Full:
            pass
        return members.extraction(self.key())


def _read_message(message: EmailMessage, members: Members, prefix: str | None) -> None:
    """Add the headers, the body, and each attachment as a member (under `prefix`)."""
    headers = "\n".join(f"{name}: {message[name]}" for name in HEADERS if message[name])
    members.budget.add(headers, member=prefix)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = body.get_content()
        if body.get_content_subtype() == "html":
            _title, content = html_text(content)
        members.budget.add(content, member=prefix)
    for number, attachment in enumerate(message.iter_attachments(), start=1):
        if members.full():
            return
        name = attachment.get_filename() or f"attachment {number}"
        name = name if prefix is None else f"{prefix}/{name}"
        payload = attachment.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        members.take(name, payload[: members.room()], complete=len(payload) <= members.room())
