from .assigners import *  # noqa: F401,F403
from .calibration import *  # noqa: F401,F403
from .coders import *  # noqa: F401,F403
from .pseudo_label import *  # noqa: F401,F403
