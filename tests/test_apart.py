"""A piece of a build done in another process (kb/apart.py): its result, or None however it fails."""

from __future__ import annotations

import os
import time

from kb.apart import Apart


def test_the_result_comes_back() -> None:
    apart = Apart.start(max, [3, 9, 4])
    assert apart is not None
    assert apart.result() == 9


def test_an_exception_or_a_process_gone_is_none() -> None:
    for target, args in ((int, ("not a number",)), (os._exit, (3,))):
        apart = Apart.start(target, *args)
        assert apart is not None
        assert apart.result() is None


def test_close_stops_a_process_still_running() -> None:
    apart = Apart.start(time.sleep, 60)
    assert apart is not None
    began = time.monotonic()
    apart.close()
    assert not apart._process.is_alive()
    assert time.monotonic() - began < 30
