import numpy as np

from search.engine.encoder import HashingEncoder, encode_query


class RecordingEncoder(HashingEncoder):
    """Encode as the fake does, remembering what each call was given."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def encode_queries(self, texts):
        self.calls.append(list(texts))
        return super().encode_queries(texts)


def test_a_query_that_fits_a_passage_is_encoded_whole():
    encoder = RecordingEncoder()

    vector = encode_query(encoder, "printer network", words=200, max_parts=4)

    assert encoder.calls == [["printer network"]]
    assert np.allclose(vector, encoder.encode_queries(["printer network"])[0])


def test_a_pasted_page_is_encoded_in_parts_spread_over_it_and_averaged():
    encoder = RecordingEncoder()
    query = " ".join(f"w{number}" for number in range(2000))

    vector = encode_query(encoder, query, words=200, max_parts=4)

    [parts] = encoder.calls
    assert [(part.split()[0], part.split()[-1]) for part in parts] == [
        ("w0", "w199"),
        ("w600", "w799"),
        ("w1200", "w1399"),
        ("w1800", "w1999"),
    ]
    assert np.isclose(np.linalg.norm(vector), 1.0)
