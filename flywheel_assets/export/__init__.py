"""flywheel export stage."""
