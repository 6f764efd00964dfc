"""flywheel privacy stage."""
