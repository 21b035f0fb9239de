"""Datasets: a registry of real datasets and offline stand-ins, decoded once to uint8 arrays."""

from ganrepro.data.registry import DATASETS, DatasetSpec

__all__ = ["DATASETS", "DatasetSpec"]
