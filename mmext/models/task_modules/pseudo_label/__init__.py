from .promoted_pseudo_label_miner import PromotedPseudoLabelMiner

__all__ = ['PromotedPseudoLabelMiner']
