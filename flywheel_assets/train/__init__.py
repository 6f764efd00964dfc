"""flywheel train stage."""
