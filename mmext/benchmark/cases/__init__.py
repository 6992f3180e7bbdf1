"""The cases of ``tools/analysis_tools/benchmark.py``, one module a method:
every mmext module, op and method next to what it replaces or extends.
Importing this package registers them
(:func:`mmext.benchmark.register_cases`).

Sizes are image sizes: an op on feature maps gets the stride-8 map of the
image (512x512 -> 64x64), a neck the ResNet-50 C2-C5 maps, a detector the
image. Models are built with random weights (no download) and the method's
worst case where it has one (every teacher box a pseudo label, every pseudo
label a mining candidate).
"""
# Imported for their registrations, in the order of the table.
# isort: off
from . import rcnet  # noqa: F401
from . import tood  # noqa: F401
from . import calibrated_teacher  # noqa: F401
from . import mixteacher  # noqa: F401
from . import ssd_det  # noqa: F401
from . import roi_align  # noqa: F401
from . import dmdd  # noqa: F401
from . import detectors  # noqa: F401
from . import deployment  # noqa: F401
# isort: on
