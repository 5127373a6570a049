"""System checks for what text extraction needs from the machine."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def check_ocr(app_configs, **kwargs) -> list[Warning]:
    from indexer.extract.ocr import ocr_problem

    problem = ocr_problem(settings.OCR_LANGUAGES)
    if problem is None:
        return []
    return [
        Warning(
            f"{problem}: images and scanned pages are skipped.",
            hint=f"Install it: sudo apt-get install {_packages(settings.OCR_LANGUAGES)}",
            id="dizin.W002",
        )
    ]


def _packages(languages: str) -> str:
    """Name Debian's packages for Tesseract and the data of each language."""
    return "tesseract-ocr " + " ".join(f"tesseract-ocr-{name}" for name in languages.split("+"))
