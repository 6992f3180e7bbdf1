import torch.nn.functional as F
from torch import Tensor


def instance_weights(ins_logits: Tensor, valid: Tensor) -> Tensor:
    """Share of each proposal in its bag, per class: the softmax of the
    instance logits over the bag, restricted to valid proposals and
    renormalised (P2BNet's instance scores, which SSD-Det's MIL reuses).

    Args:
        ins_logits (Tensor): ``(G, N, C)``.
        valid (Tensor): ``(G, N)`` bool.

    Returns:
        Tensor: ``(G, N, C)``, each bag's column sums to 1 (0 for a bag
        without valid proposals).
    """
    weights = ins_logits.softmax(dim=1) * valid[..., None]
    return F.normalize(weights, p=1, dim=1)
