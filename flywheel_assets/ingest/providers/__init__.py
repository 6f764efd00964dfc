"""Provider families of the api_records parser that live in their own module.

Each family module (:mod:`gemini`, :mod:`openai_responses`) exposes the same small interface (see
:class:`flywheel_assets.ingest.providers.base.Family`): ``API`` (the api kind it owns), ``match(host, path)`` (the
call's ``(provider, api)`` when the URL is one of its generation endpoints, else None), ``request_messages(req)``,
``declared_tools(req)``, ``parse_response(body)`` and ``model_from_url(url)``. :mod:`flywheel_assets.ingest.api_records`
is the dispatcher: it classifies the endpoint (:mod:`flywheel_assets.ingest.api_endpoints`), then hands the request /
response bodies to the family that owns the api kind (the other providers are parsed by
:mod:`flywheel_assets.ingest.api_messages` / :mod:`flywheel_assets.ingest.api_replies`). A stream's reply is put
together by :func:`flywheel_assets.ingest.providers.base.stream_reply` for every family.
"""

from __future__ import annotations

from flywheel_assets.ingest.providers import gemini, openai_responses

# api kind -> family module (a module may own several kinds: ``APIS``)
FAMILIES = {api: m for m in (gemini, openai_responses) for api in getattr(m, "APIS", (m.API,))}
