"""The comparative report: claims with computed verdicts, literature anchors, deviations,
provenance, and one self-contained HTML page."""
