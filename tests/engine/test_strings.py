import numpy as np
import pytest

from search.engine.copies import CopyGroups
from search.engine.strings import PackedStrings

STRINGS = ["/a/b.txt", "", "/ç/ğüş.md", "lone \udc80 surrogate", "/a/b.txt"]


def test_packed_strings_read_back_as_packed():
    packed = PackedStrings.pack(STRINGS)

    assert len(packed) == len(STRINGS)
    assert [packed[i] for i in range(len(STRINGS))] == STRINGS
    assert list(packed) == STRINGS
    assert (packed[-1], packed[1:3]) == (STRINGS[-1], STRINGS[1:3])
    with pytest.raises(IndexError):
        packed[len(STRINGS)]
    with pytest.raises(IndexError):
        packed[-len(STRINGS) - 1]


def test_no_strings_pack_to_an_empty_sequence():
    packed = PackedStrings.pack([])

    assert (len(packed), list(packed), packed.fixed_width().shape) == (0, [], (0,))


def test_copy_groups_hold_the_other_files_with_the_same_content_in_row_order():
    hashes = PackedStrings.pack(["x", "y", "x", "z", "x", "y", "z"])
    sizes = np.array([1, 1, 1, 0, 1, 1, 0])  # empty files copy nothing

    groups = CopyGroups.find(hashes, sizes)

    assert [groups.others(row) for row in range(7)] == [
        (2, 4), (5,), (0, 4), (), (0, 2), (1,), (),
    ]  # fmt: skip
    assert [row for row in range(7) if groups.group(row) >= 0] == [0, 1, 2, 4, 5]
