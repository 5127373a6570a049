"""HTML and XHTML: the visible text and the title, without scripts, styles or templates."""

from typing import ClassVar

from selectolax.lexbor import LexborHTMLParser

from indexer.extract.base import Extraction, Extractor, Full, Limits, Source, TextBudget
from indexer.extract.plaintext import decode

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Markup outweighs its text several times over: parse this much per byte of text kept.
MARKUP_PER_TEXT = 8
_INVISIBLE = "script, style, template, noscript, head > *:not(title)"


def html_text(markup: str) -> tuple[str, str]:
    """Return the title and the visible text of an HTML document, entities decoded."""
    tree = LexborHTMLParser(markup)
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else ""
    for node in tree.css(_INVISIBLE):
        node.decompose()
    body = tree.body or tree.root
    text = body.text(separator=" ") if body is not None else ""
    return title, " ".join(text.split())


class HtmlExtractor(Extractor):
    """Visible text only: what a browser shows, plus the title."""

    name: ClassVar[str] = "html"
    version: ClassVar[int] = 1
    extensions: ClassVar[frozenset[str]] = frozenset({".html", ".htm", ".xhtml"})

    def accepts(self, content_type: str, extension: str) -> bool:
        return content_type in HTML_TYPES or extension in self.extensions

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        cap = max(limits.max_text_bytes, 1) * MARKUP_PER_TEXT
        with source.open() as stream:
            data = stream.read(cap + 1)
        markup, encoding = decode(data[:cap], complete=len(data) <= cap)
        title, text = html_text(markup)
        budget = TextBudget(limits.max_text_bytes)
        try:
            budget.add(title)
            budget.add(text)
        except Full:
            pass
        budget.truncated = budget.truncated or len(data) > cap
        return budget.extraction(self.key(), encoding=encoding)
