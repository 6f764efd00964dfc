"""flywheel curate stage."""
