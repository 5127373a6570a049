"""Text in pictures, read by Tesseract: scanned pages and images."""

import functools
import shutil
import subprocess
import time
from typing import TYPE_CHECKING, ClassVar

from indexer.extract.base import Extraction, Extractor, Full, Limits, Source, Status, TextBudget

if TYPE_CHECKING:
    from PIL.Image import Image

IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/tiff", "image/webp", "image/gif", "image/bmp"}
)
# Pillow refuses images past this many pixels as decompression bombs (a 600 dpi A3 page fits).
MAX_PIXELS = 80_000_000


class OcrUnavailable(Exception):
    """OCR cannot read this page: Tesseract or a language is missing, or time ran out."""


@functools.cache
def installed_languages() -> frozenset[str]:
    """Return the languages the installed Tesseract reads (none without Tesseract)."""
    binary = shutil.which("tesseract")
    if binary is None:
        return frozenset()
    listed = subprocess.run(  # noqa: S603 (the installed tesseract, fixed arguments)
        [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    return frozenset(line.strip() for line in listed.stdout.splitlines()[1:] if line.strip())


def ocr_problem(languages: str) -> str | None:
    """Say why OCR in `languages` ("tur+eng") cannot run here, or None when it can."""
    installed = installed_languages()
    if not installed:
        return "OCR not available: Tesseract is not installed"
    missing = [name for name in languages.split("+") if name not in installed]
    if missing:
        return f"OCR not available: no Tesseract data for {', '.join(missing)}"
    return None


def ocr_image(image: "Image", *, limits: Limits) -> str:
    """Return the text Tesseract reads in `image`; raise OcrUnavailable if it cannot run."""
    import pytesseract

    if problem := ocr_problem(limits.ocr_languages):
        raise OcrUnavailable(problem)
    if limits.deadline is not None and time.monotonic() + limits.ocr_page_timeout > limits.deadline:
        raise OcrUnavailable("no time left for OCR (INDEX_EXTRACT_TIMEOUT)")
    if image.mode == "P":  # a palette may carry transparency, which RGB cannot
        image = image.convert("RGBA")
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    try:
        return pytesseract.image_to_string(
            image, lang=limits.ocr_languages, timeout=limits.ocr_page_timeout
        )
    except RuntimeError as error:  # pytesseract's "Tesseract process timeout"
        raise OcrUnavailable(f"OCR timed out (OCR_PAGE_TIMEOUT): {error}") from None


class ImageExtractor(Extractor):
    """Images, through OCR; every frame of a multi-page TIFF or GIF is a page."""

    name: ClassVar[str] = "ocr"
    version: ClassVar[int] = 1

    def accepts(self, content_type: str, extension: str) -> bool:
        return content_type in IMAGE_TYPES

    def extract(self, source: Source, *, limits: Limits) -> Extraction:
        from PIL import Image, UnidentifiedImageError

        if problem := ocr_problem(limits.ocr_languages):
            return Extraction(self.key(), Status.SKIPPED, detail=problem)
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        budget = TextBudget(limits.max_text_bytes)
        try:
            with Image.open(source.open()) as image:
                frames = getattr(image, "n_frames", 1)
                for frame in range(frames):
                    image.seek(frame)
                    budget.add(
                        ocr_image(image, limits=limits), page=frame + 1 if frames > 1 else None
                    )
        except Full:
            pass
        except (UnidentifiedImageError, Image.DecompressionBombError) as error:
            return Extraction(self.key(), Status.FAILED, detail=str(error)[:255])
        return budget.extraction(self.key())
