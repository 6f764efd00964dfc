"""flywheel privacy stage: detector cascade, keyed pseudonyms, residual measurement, canaries, policy gate.

Import the functions from their modules (``privacy.redact.redact_units``, ``privacy.cascade.scan_text`` ...);
this package init stays import-light (no spaCy / Presidio load on import).
"""
