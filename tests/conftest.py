import pytest

from mmext.testing import write_small_demo_sets


@pytest.fixture(scope='session')
def demo_sets(tmp_path_factory) -> dict:
    """Small copies of the embedded demo sets (detection, anomaly), written
    by the real tool."""
    return write_small_demo_sets(str(tmp_path_factory.mktemp('demo')))


@pytest.fixture(scope='session')
def demo_data_root(demo_sets) -> str:
    """The small demo detection set (COCO format)."""
    return demo_sets['det']


@pytest.fixture(scope='session')
def demo_ad_root(demo_sets) -> str:
    """The small demo anomaly set (MVTec AD layout)."""
    return demo_sets['ad']


@pytest.fixture
def compiled_cpu():
    """Skip a test of mmext's compiled CPU kernels where they are not
    built."""
    import torch

    from mmext.ops import compiled_ops_available
    if not compiled_ops_available(torch.device('cpu')):
        pytest.skip('mmext._ext is not built (MMEXT_WITH_OPS=0, or no '
                    'compiler when mmext was installed)')


@pytest.fixture
def compiled_cuda():
    """Skip a CUDA-vs-CPU parity test where there is no GPU or mmext._ext
    was built without CUDA."""
    import torch

    from mmext.ops.ext_loader import ext_module
    if not torch.cuda.is_available():
        pytest.skip('no CUDA device')
    if ext_module is None or not ext_module.with_cuda():
        pytest.skip('mmext._ext was built without CUDA (CPU torch or no '
                    'CUDA toolkit at install)')


def pytest_collection_modifyitems(items) -> None:
    """A test that asks for a GPU (``compiled_cuda``) is a ``cuda`` test."""
    for item in items:
        if 'compiled_cuda' in getattr(item, 'fixturenames', ()):
            item.add_marker(pytest.mark.cuda)
