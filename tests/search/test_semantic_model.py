"""The real packaged model, end to end through reindex and the API."""

import pytest

from tests.search.conftest import reindex, write_corpus

pytestmark = [pytest.mark.django_db, pytest.mark.model]

KNOWLEDGE_BASE = {
    "help/account_recovery.md": (
        "To reset a forgotten password, open the sign-in page, choose 'Forgot password' and "
        "follow the emailed link to pick a new one.",
        "2025-02-01",
    ),
    "help/printing.md": ("Connect the office printer to the wireless network.", "2025-02-02"),
    "help/holidays.md": ("The office is closed from December 24 to January 2.", "2025-02-03"),
    "finance/q3_report.txt": ("Revenue grew twelve percent in the third quarter.", "2025-02-04"),
}


def test_a_paraphrased_question_finds_the_right_file_first(search, tmp_path):
    root = write_corpus(tmp_path / "kb", KNOWLEDGE_BASE)
    reindex(str(root))

    for mode in ("semantic", "hybrid"):
        body = search(q="I can't log in, how do I get a new password", mode=mode).json()
        assert body["data"][0]["file_path"] == f"{root}/help/account_recovery.md", mode
        assert body["metadata"]["semantic"] == "ok"


def test_an_exact_file_name_and_a_paraphrase_both_reach_the_first_page(search, tmp_path):
    root = write_corpus(tmp_path / "kb", KNOWLEDGE_BASE)
    reindex(str(root))

    by_name = search(q="q3_report", page_size=3).json()["data"]
    by_meaning = search(q="how much money did we make last quarter", page_size=3).json()["data"]

    assert by_name[0]["file_path"] == f"{root}/finance/q3_report.txt"
    assert f"{root}/finance/q3_report.txt" in [result["file_path"] for result in by_meaning]
