"""flywheel defs stage."""
