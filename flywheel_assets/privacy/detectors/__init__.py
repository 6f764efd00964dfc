"""flywheel privacy/detectors stage."""
