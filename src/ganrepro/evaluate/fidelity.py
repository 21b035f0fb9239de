"""The domain classifiers as a torch-fidelity feature extractor: importing this module registers
``ganrepro-classifier`` (features "features", 128-d, and "logits"), so torch-fidelity's own API
scores with them, e.g.::

    import ganrepro.evaluate.fidelity  # noqa: F401 (registers the extractor)
    torch_fidelity.calculate_metrics(
        input1=..., input2=..., fid=True, feature_extractor="ganrepro-classifier",
        feature_extractor_weights_path="results/quick/classifiers/digits.pt")

The pipeline's jobs use :class:`ganrepro.evaluate.extractors.ClassifierFeatures` directly and
never import torch-fidelity for it (its import costs each job seconds).
"""

from __future__ import annotations

import torch
from torch_fidelity.feature_extractor_base import FeatureExtractorBase
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY, register_feature_extractor

from ganrepro.evaluate.extractors import CLASSIFIER_NAME, ClassifierFeatures, MissingWeights


class ClassifierFeatureExtractor(FeatureExtractorBase):
    """torch-fidelity's interface around :class:`ClassifierFeatures`."""

    def __init__(self, name, features_list, feature_extractor_weights_path=None, **kwargs):
        super().__init__(name, features_list)
        if feature_extractor_weights_path is None:
            raise MissingWeights("the ganrepro classifier needs feature_extractor_weights_path")
        self.net = ClassifierFeatures(feature_extractor_weights_path)

    @staticmethod
    def get_provided_features_list():
        return "features", "logits"

    @staticmethod
    def get_default_feature_layer_for_metric(metric):
        return {"isc": "logits", "fid": "features", "kid": "features", "prc": "features"}[metric]

    @staticmethod
    def can_be_compiled():
        return False

    @staticmethod
    def get_dummy_input_for_compile():
        return torch.zeros(1, 3, 32, 32, dtype=torch.uint8)

    def forward(self, x):
        feats, logits = self.net(x)
        out = {"features": feats, "logits": logits}
        return tuple(out[name] for name in self.features_list)


if CLASSIFIER_NAME not in FEATURE_EXTRACTORS_REGISTRY:
    register_feature_extractor(CLASSIFIER_NAME, ClassifierFeatureExtractor)
