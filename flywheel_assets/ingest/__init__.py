"""flywheel ingest stage."""
