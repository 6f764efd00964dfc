"""Configuration of the demo-log generator (composed by the lead into the top-level ``FlywheelConfig``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class DemoConfig(BaseModel):
    """Knobs of :func:`flywheel_assets.demo.generator.generate_demo`. Defaults reproduce the documented demo drop."""

    seed: int = Field(7, description="Seed of the single random.Random driving every choice (same seed -> same bytes).")
    sessions: int = Field(2400, ge=1, description="Base sessions to write (near-duplicate copies are included).")
    days: int = Field(3, ge=1, description="Days of logs; files go under <out_dir>/<YYYY-MM-DD>/.")
    start_date: date = Field(date(2026, 11, 18), description="First day of the drop (UTC).")
    family_shares: dict[str, float] = Field(
        default_factory=lambda: {"chatlog": 0.50, "gateway": 0.20, "otlp": 0.15, "transcript": 0.08, "applog": 0.07},
        description="Share of sessions per log family (normalised).",
    )
    near_duplicate_rate: float = Field(0.03, ge=0, le=0.5, description="Probability a session seeds a near-dup group.")
    api_retry_rate: float = Field(0.20, ge=0, le=1, description="Share of gateway sessions with a 429/500 + retry.")
    stream_rate: float = Field(0.30, ge=0, le=1, description="Share of gateway calls with stream=true (SSE bodies).")
    late_rate: float = Field(0.01, ge=0, le=0.2, description="Share of sessions time-stamped on the previous day.")
    naive_ts_rate: float = Field(0.01, ge=0, le=0.2, description="Share of sessions with zone-less timestamps.")
    malformed_rate: float = Field(0.005, ge=0, le=0.01, description="Malformed records per family (<= 1%).")
    spans_sessions_per_file: int = Field(3, ge=1, description="Sessions per OTLP document (batch export).")
    n_canaries: int = Field(6, ge=1, le=12, description="Unique canary markers planted in the drop.")
