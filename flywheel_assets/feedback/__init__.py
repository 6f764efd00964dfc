"""flywheel feedback stage."""
