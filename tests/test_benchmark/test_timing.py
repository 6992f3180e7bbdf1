import subprocess
import sys
import time

import pytest

from mmext.benchmark import (describe_device, run_benchmark_worker, step_cost,
                             time_ms)


def test_time_ms_measures_one_call_in_milliseconds():
    calls = []
    elapsed = time_ms(lambda: (calls.append(1), time.sleep(0.02)))
    assert calls == [1]
    assert 20 <= elapsed < 1000


@pytest.mark.slow
def test_peak_memory_mib_sees_a_256_mib_tensor_after_a_larger_one():
    # The process peaked higher before: the call's own peak must still show.
    code = ('import torch; from mmext.benchmark import peak_memory_mib; '
            'a = torch.ones(128 * 2**20); del a; '
            'print(peak_memory_mib(lambda: torch.ones(64 * 2**20).add_(1)))')
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         check=True)
    assert 200 < float(out.stdout) < 400


def test_describe_device_names_the_cpu_threads():
    assert describe_device('cpu', 2) == 'CPU, 2 threads'


def test_run_benchmark_worker_returns_the_last_json_line_or_names_failure():
    ok = [sys.executable, '-c', 'print("warm-up"); print(\'{"time": 1.5}\')']
    assert run_benchmark_worker(ok, 'case') == {'time': 1.5}
    bad = [sys.executable, '-c', 'import sys; sys.exit("boom")']
    with pytest.raises(RuntimeError, match=r'impl at 64x64 failed:\n.*boom'):
        run_benchmark_worker(bad, 'impl at 64x64')


def test_step_cost_reports_the_median_time_and_the_first_calls_peak():
    calls = []

    def step():
        calls.append(1)
        time.sleep(0.01)

    cost = step_cost(step, repeat=3)
    assert len(calls) == 4
    assert set(cost) == {'time', 'peak'}
    assert 9 <= cost['time'] < 1000 and cost['peak'] >= 0
