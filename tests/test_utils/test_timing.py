import time

from mmext.utils import time_ms


def test_time_ms_measures_one_call_in_milliseconds():
    calls = []
    elapsed = time_ms(lambda: (calls.append(1), time.sleep(0.02)))
    assert calls == [1]
    assert 20 <= elapsed < 1000
