"""The router names the provider and model of a failure in a typed field (``origin``), not bolted-on attributes."""

from __future__ import annotations

from taskmaster_mcp.errors import AllProvidersFailed, InvalidModelOutput, ProviderError
from taskmaster_mcp.models.routing.chain import tag


def test_an_error_without_provider_fields_gets_its_origin_and_no_new_attributes() -> None:
    err = tag(InvalidModelOutput("bad JSON"), "anthropic", "claude-x")
    assert err.origin == ("anthropic", "claude-x")
    assert not hasattr(err, "model") and not hasattr(err, "provider")


def test_a_provider_error_keeps_its_own_names() -> None:
    err = ProviderError("503", provider="openai", model="gpt-x")
    assert tag(err, "anthropic", "claude-x") is err
    assert err.origin is None and (err.provider, err.model) == ("openai", "gpt-x")


def test_all_providers_failed_names_each_failure() -> None:
    failures = [
        ("main", tag(InvalidModelOutput("bad JSON"), "anthropic", "claude-x")),
        ("fallback", ProviderError("503", provider="openai", model="gpt-x")),
        ("research", InvalidModelOutput("never tagged")),
    ]
    text = str(AllProvidersFailed(failures))
    assert "- main (anthropic/claude-x): bad JSON" in text
    assert "- fallback (openai/gpt-x): 503" in text
    assert "- research (?/?): never tagged" in text
