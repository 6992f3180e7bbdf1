from .load_anomaly_mask import LoadAnomalyMask
from .pack_anomaly_inputs import PackAnomalyInputs
from .perlin_noise import perlin_noise
from .procedural_texture import procedural_texture
from .random_image_rotation import RandomImageRotation
from .synthesize_anomaly import SynthesizeAnomaly

__all__ = [
    'LoadAnomalyMask', 'PackAnomalyInputs', 'perlin_noise',
    'procedural_texture', 'RandomImageRotation', 'SynthesizeAnomaly'
]
