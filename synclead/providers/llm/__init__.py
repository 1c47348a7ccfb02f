"""Chat models behind `synclead.agent.llm.model.ChatModel`: Mistral (`mistral`), any OpenAI-compatible server."""

from __future__ import annotations

import logging

from synclead.agent.llm.model import ChatModel
from synclead.config import Settings

log = logging.getLogger(__name__)

__all__ = ["chat_model_for"]

# One model object per configuration, so every call reuses the SDK's HTTP connections (a TLS handshake per call
# would add its latency to the first answer). Keyed by everything that makes the client different.
_models: dict[tuple[str, ...], ChatModel] = {}


def chat_model_for(settings: Settings, org_llm: str = "", org_model: str = "") -> ChatModel | None:
    """The chat model an organization's calls use, or None for the offline agent.

    The organization's choice (`org_llm`, `org_model`) overrides the deployment's; an empty value means the
    deployment default. A provider without its key (Mistral) or without a key or server (OpenAI-compatible) is
    treated as none, with a warning, rather than failing every call.
    """
    provider = (org_llm or settings.llm).strip().lower()
    if provider == "mistral":
        if not settings.mistral_api_key:
            log.warning("SYNCLEAD_LLM is mistral but MISTRAL_API_KEY is empty: answering offline")
            return None
        key = ("mistral", settings.mistral_api_key, settings.mistral_server_url, org_model or settings.mistral_model)
        if key not in _models:
            from synclead.providers.llm.mistral import MistralChat

            _models[key] = MistralChat(settings.mistral_api_key, key[3], server_url=settings.mistral_server_url)
        return _models[key]
    if provider == "openai":
        if not settings.openai_api_key and not settings.openai_base_url:
            log.warning(
                "SYNCLEAD_LLM is openai but neither OPENAI_API_KEY nor OPENAI_BASE_URL is set: answering offline"
            )
            return None
        key = ("openai", settings.openai_api_key, settings.openai_base_url, org_model or settings.openai_model)
        if key not in _models:
            from synclead.providers.llm.openai_compat import OpenAICompatibleChat

            _models[key] = OpenAICompatibleChat(
                settings.openai_api_key, key[3], base_url=settings.openai_base_url or None
            )
        return _models[key]
    if provider not in ("", "none"):
        log.warning("unknown LLM provider %r: answering offline", provider)
    return None
