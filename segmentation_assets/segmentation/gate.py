"""The quality gate: whether a fitted segmentation may go into service.

A planner can run nothing differently with one or two segments, and a segmentation that falls
apart under resampling changes service levels at random. A fit fails the gate when it has
fewer than `constraints.min_segments` segments, when one segment holds more than
`quality_gate.max_entity_share` of the entities, when a size constraint is unmet, or (with
`quality_gate.require_stability`) when the stability check fails. A history too short for
rolling windows does not fail the gate by itself: the bootstrap then carries the evidence.
"""

from __future__ import annotations

from segmentation_assets.config import SegmentationSection
from segmentation_assets.segmentation.constraints import ConstraintOutcome
from segmentation_assets.segmentation.stability import Stability


def quality_gate(
    constraints: ConstraintOutcome, stability: Stability, config: SegmentationSection
) -> list[str]:
    """Why the fit may not go into service, one sentence each; empty when it passes."""
    segments = constraints.after
    reasons = []
    minimum = config.constraints.min_segments
    if segments.height < minimum:
        reasons.append(f"{segments.height} segment(s): fewer than the minimum of {minimum}")
    largest = segments.row(segments["entity_share"].arg_max(), named=True)
    if largest["entity_share"] > config.quality_gate.max_entity_share:
        reasons.append(
            f"segment {largest['segment_id']} holds {largest['entity_share']:.0%} of the "
            f"entities, more than the gate's {config.quality_gate.max_entity_share:.0%}"
        )
    reasons.extend(f"constraint unmet: {sentence}" for sentence in constraints.unmet)
    if config.quality_gate.require_stability:
        reasons.extend(
            f"not stable: {problem}"
            for problem in stability.failures(config, windows_required=False)
        )
    return reasons
