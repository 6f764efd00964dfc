"""flywheel segment stage."""
