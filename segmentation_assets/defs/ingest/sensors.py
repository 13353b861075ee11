"""Re-run the pipeline when a source system drops, replaces or removes a landing file."""

import hashlib

import dagster as dg

from segmentation_assets.defs.jobs import segmentation_pipeline
from segmentation_assets.defs.resources import LandingZone
from segmentation_assets.orchestration.asset_attributes import WAREHOUSE_RUN_TAGS
from segmentation_assets.sources import landing_fingerprint as fp


@dg.sensor(
    job=segmentation_pipeline,
    minimum_interval_seconds=30,
    description="Starts the pipeline when landing files are added, changed or removed; "
    "the cursor remembers each file's size and modification time, so unchanged files never rerun.",
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def landing_zone_sensor(context: dg.SensorEvaluationContext, landing_zone: LandingZone):
    previous = fp.decode(context.cursor)
    current = fp.landing_fingerprint(landing_zone.directory)
    changes = fp.landing_changes(previous, current)
    if not any(changes.values()):
        return dg.SkipReason(
            f"no landing file added, changed or removed ({len(current)} files watched)"
        )
    cursor = fp.encode(current)
    summary = ", ".join(f"{len(v)} {k}" for k, v in changes.items() if v)
    context.update_cursor(cursor)
    return dg.RunRequest(
        run_key=hashlib.sha256(cursor.encode()).hexdigest()[:32],
        tags=WAREHOUSE_RUN_TAGS | {"landing/changes": summary},
    )
