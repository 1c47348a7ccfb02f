from django.apps import AppConfig


class EvalsConfig(AppConfig):
    """Scenario evaluations of an organization's agent: the `eval` command and the latest scorecard."""

    name = "synclead.web.evals"
    label = "evals"
    verbose_name = "Evaluations"
