"""flywheel demo stage."""
