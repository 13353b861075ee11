"""The quality gate: whether a fitted segmentation may go into service.

A planner can run nothing differently with one or two segments, and a segmentation that falls
apart under resampling changes service levels at random. A fit fails the gate when it has
fewer than `constraints.min_segments` segments, when one segment holds more than
`quality_gate.max_entity_share` of the entities, when a size constraint is unmet, or (with
`quality_gate.require_stability`) when the stability check fails. A history too short for
rolling windows does not fail the gate by itself: the bootstrap then carries the evidence.
"""

from __future__ import annotations

import numpy as np

from segmentation_assets.config import SegmentationSection
from segmentation_assets.segmentation.constraints import ConstraintOutcome
from segmentation_assets.segmentation.stability import Stability


def quality_gate(
    labels: np.ndarray,
    constraints: ConstraintOutcome,
    stability: Stability,
    config: SegmentationSection,
) -> list[str]:
    """Why the fit may not go into service, one sentence each; empty when it passes."""
    labels = np.asarray(labels)
    reasons = []
    segments, counts = np.unique(labels, return_counts=True)
    minimum = config.constraints.min_segments
    if len(segments) < minimum:
        reasons.append(f"{len(segments)} segment(s): fewer than the minimum of {minimum}")
    largest = counts.max() / labels.shape[0] if labels.shape[0] else 0.0
    if largest > config.quality_gate.max_entity_share:
        reasons.append(
            f"segment {int(segments[counts.argmax()])} holds {largest:.0%} of the entities, "
            f"more than the gate's {config.quality_gate.max_entity_share:.0%}"
        )
    reasons.extend(f"constraint unmet: {sentence}" for sentence in constraints.unmet)
    if config.quality_gate.require_stability:
        reasons.extend(
            f"not stable: {problem}"
            for problem in stability.failures(config, windows_required=False)
        )
    return reasons
