"""Evaluation: feature extractors, reference statistics, metrics (through torch-fidelity),
sampling from checkpoints and the visual outputs of the sources."""
