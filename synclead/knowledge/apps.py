from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    """An organization's documents, their passages and embeddings, and its listings."""

    name = "synclead.knowledge"
    label = "knowledge"
