"""Engine settings, built from Django settings by the caller; the defaults are set here only."""

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Dtype = Literal["auto", "float32", "bfloat16"]
Runtime = Literal["onnx", "torch"]


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Where the index lives, which model embeds, and how passages and searches are sized."""

    index_dir: Path
    model_path: str
    passage_words: int = 200
    passage_overlap: int = 40
    # Counting the file's name passage; 64 passages cover about 10,000 words of text.
    max_passages_per_file: int = 64
    # Exact search stays near 20 ms up to here; past it HNSW answers in under a millisecond.
    hnsw_threshold: int = 200_000
    # HNSW candidates explored per search, raised to the search depth when that is larger:
    # 256 keeps recall@10 at 0.95 or better at 100k passages (64 gave 0.71; bench.semantic_engine).
    ef_search: int = 256
    batch_size: int = 16
    # Seconds between looks at the CURRENT pointer, per process.
    check_interval: float = 1.0
    dtype: Dtype = "auto"
    # Threads torch may use in this process; 0 leaves torch's default, one per core.
    threads: int = 0
    # Queries, and passages unless in bfloat16, encode on ONNX Runtime (faster, same vectors)
    # where the model allows it, exported once into onnx_dir.
    runtime: Runtime = "onnx"
    onnx_dir: Path | None = None


def engine_default(name: str) -> Any:
    """Return the default of one of EngineConfig's fields."""
    [field] = [field for field in dataclasses.fields(EngineConfig) if field.name == name]
    return field.default
