"""Process plumbing: the garbage collector after start-up."""

import gc

from sluice.runtime import freeze_startup_objects


def test_startup_objects_are_frozen_out_of_full_collections() -> None:
    """What exists once `sluice api` or `sluice worker` has started is out of the collector's
    sight: a full collection walks only what requests and activities made since."""
    kept = [{"startup": n} for n in range(10_000)]  # long-lived, like models and routes
    frozen_before = gc.get_freeze_count()
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() >= frozen_before + len(kept)
        collected = {id(item) for generation in range(3) for item in gc.get_objects(generation)}
        assert not any(id(item) in collected for item in kept)
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
