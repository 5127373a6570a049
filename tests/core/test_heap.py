import gc

import pytest

from core.heap import existing_objects_frozen


def test_objects_that_existed_are_frozen_inside_the_block_and_released_after(nothing_frozen):
    with existing_objects_frozen():
        frozen = gc.get_freeze_count()

    assert (frozen > 0, gc.get_freeze_count()) == (True, 0)


def test_objects_frozen_before_the_block_stay_frozen_after_it(nothing_frozen):
    gc.freeze()

    with existing_objects_frozen():
        pass

    # A count, not the count before: frozen objects other threads let go of leave it.
    assert gc.get_freeze_count() > 0


def test_objects_are_released_when_the_block_raises(nothing_frozen):
    with pytest.raises(KeyError), existing_objects_frozen():
        raise KeyError("stop")

    assert gc.get_freeze_count() == 0
