"""PDF: the text layer page by page; pages without one are read by OCR."""

from typing import ClassVar

from indexer.extract.base import Extraction, Extractor, Full, Limits, Source, Status, TextBudget
from indexer.extract.ocr import OcrUnavailable, ocr_image

# 300 dpi: Tesseract's recommended resolution (PDF units are 1/72 inch).
OCR_SCALE = 300 / 72


class PdfExtractor(Extractor):
    name: ClassVar[str] = "pdf"
    version: ClassVar[int] = 1
    extensions: ClassVar[frozenset[str]] = frozenset({".pdf"})

    def accepts(self, content_type: str, extension: str) -> bool:
        return content_type == "application/pdf"

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        import pypdfium2 as pdfium

        try:
            document = pdfium.PdfDocument(
                source.data if source.data is not None else source.os_path
            )
        except pdfium.PdfiumError as error:
            if "password" in str(error).lower():
                return Extraction(self.key(), Status.SKIPPED, detail="encrypted: needs a password")
            return Extraction(self.key(), Status.FAILED, detail=str(error)[:255])
        budget = TextBudget(limits.max_text_bytes)
        unread: dict[str, list[int]] = {}
        try:
            for number in range(1, len(document) + 1):
                if problem := self._page(document[number - 1], number, budget, limits):
                    unread.setdefault(problem, []).append(number)
        except Full:
            pass
        finally:
            document.close()
        # Pages left unread for want of time or OCR: the text is incomplete.
        budget.truncated = budget.truncated or (bool(unread) and bool(budget.segments))
        detail = "; ".join(f"{why}: pages {_ranges(pages)}" for why, pages in unread.items())
        if unread and not budget.segments:
            return Extraction(self.key(), Status.SKIPPED, detail=detail[:255])
        return budget.extraction(self.key(), detail=detail[:255])

    def _page(self, page, number: int, budget: TextBudget, limits: Limits) -> str | None:
        """Add the page's text, by OCR when it has no text layer; say why if it went unread."""
        try:
            text = page.get_textpage().get_text_bounded()
            if not text.strip():
                image = page.render(scale=OCR_SCALE, grayscale=True).to_pil()
                try:
                    text = ocr_image(image, limits=limits)
                except OcrUnavailable as why:
                    return str(why)
            budget.add(text, page=number)
            return None
        finally:
            page.close()


def _ranges(numbers: list[int]) -> str:
    """Write 1, 2, 3, 5 as "1-3, 5"."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
