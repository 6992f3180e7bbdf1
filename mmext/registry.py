"""mmext's registry nodes, children of mmdet's.

Each node looks up unknown names in mmdet (and from there in mmengine), so an
mmext config (``default_scope='mmext'``) can use every mmdet module by its
plain name, and an mmdet config can reach mmext's modules as ``mmext.Name``.
``locations`` lists mmdet's modules before mmext's: a lookup through this node
imports both lazily, so nothing needs registering by hand.
"""
from mmdet.registry import DATA_SAMPLERS as MMDET_DATA_SAMPLERS
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmdet.registry import EVALUATOR as MMDET_EVALUATOR
from mmdet.registry import HOOKS as MMDET_HOOKS
from mmdet.registry import LOG_PROCESSORS as MMDET_LOG_PROCESSORS
from mmdet.registry import LOOPS as MMDET_LOOPS
from mmdet.registry import METRICS as MMDET_METRICS
from mmdet.registry import MODEL_WRAPPERS as MMDET_MODEL_WRAPPERS
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMDET_OPTIM_WRAPPER_CONSTRUCTORS
from mmdet.registry import OPTIM_WRAPPERS as MMDET_OPTIM_WRAPPERS
from mmdet.registry import OPTIMIZERS as MMDET_OPTIMIZERS
from mmdet.registry import PARAM_SCHEDULERS as MMDET_PARAM_SCHEDULERS
from mmdet.registry import RUNNER_CONSTRUCTORS as MMDET_RUNNER_CONSTRUCTORS
from mmdet.registry import RUNNERS as MMDET_RUNNERS
from mmdet.registry import TASK_UTILS as MMDET_TASK_UTILS
from mmdet.registry import TRANSFORMS as MMDET_TRANSFORMS
from mmdet.registry import VISBACKENDS as MMDET_VISBACKENDS
from mmdet.registry import VISUALIZERS as MMDET_VISUALIZERS
from mmdet.registry import WEIGHT_INITIALIZERS as MMDET_WEIGHT_INITIALIZERS
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import Registry


def _child(name: str, parent: Registry, *locations: str) -> Registry:
    return Registry(
        name, parent=parent, scope='mmext', locations=list(locations))


RUNNERS = _child('runner', MMDET_RUNNERS, 'mmdet.engine.runner',
                 'mmext.engine.runner')
RUNNER_CONSTRUCTORS = _child('runner constructor', MMDET_RUNNER_CONSTRUCTORS,
                             'mmdet.engine.runner')
LOOPS = _child('loop', MMDET_LOOPS, 'mmdet.engine.runner')
HOOKS = _child('hook', MMDET_HOOKS, 'mmdet.engine.hooks', 'mmext.engine.hooks')
DATASETS = _child('dataset', MMDET_DATASETS, 'mmdet.datasets',
                  'mmext.datasets')
DATA_SAMPLERS = _child('data sampler', MMDET_DATA_SAMPLERS,
                       'mmdet.datasets.samplers', 'mmext.datasets')
TRANSFORMS = _child('transform', MMDET_TRANSFORMS, 'mmdet.datasets.transforms',
                    'mmext.datasets')
MODELS = _child('model', MMDET_MODELS, 'mmdet.models', 'mmext.models',
                'mmext.ops')
MODEL_WRAPPERS = _child('model_wrapper', MMDET_MODEL_WRAPPERS, 'mmdet.models')
WEIGHT_INITIALIZERS = _child('weight initializer', MMDET_WEIGHT_INITIALIZERS,
                             'mmdet.models')
OPTIMIZERS = _child('optimizer', MMDET_OPTIMIZERS, 'mmdet.engine.optimizers')
OPTIM_WRAPPERS = _child('optim_wrapper', MMDET_OPTIM_WRAPPERS,
                        'mmdet.engine.optimizers')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer constructor',
                                    MMDET_OPTIM_WRAPPER_CONSTRUCTORS,
                                    'mmdet.engine.optimizers',
                                    'mmext.engine.optimizers')
PARAM_SCHEDULERS = _child('parameter scheduler', MMDET_PARAM_SCHEDULERS,
                          'mmdet.engine.schedulers')
METRICS = _child('metric', MMDET_METRICS, 'mmdet.evaluation',
                 'mmext.evaluation')
EVALUATOR = _child('evaluator', MMDET_EVALUATOR, 'mmdet.evaluation',
                   'mmext.evaluation')
TASK_UTILS = _child('task util', MMDET_TASK_UTILS, 'mmdet.models',
                    'mmext.models')
VISUALIZERS = _child('visualizer', MMDET_VISUALIZERS, 'mmdet.visualization',
                     'mmext.visualization')
VISBACKENDS = _child('vis_backend', MMDET_VISBACKENDS, 'mmdet.visualization')
# Looked up by inferencers for a collate function (mmdet has no node).
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS)
LOG_PROCESSORS = _child('log_processor', MMDET_LOG_PROCESSORS, 'mmdet.engine')
