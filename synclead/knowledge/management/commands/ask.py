"""`synclead ask --org SLUG [--json] "question"`: the passages the agent would be given, with their scores."""

from __future__ import annotations

import json
import textwrap

from django.core.management.base import BaseCommand, CommandError, CommandParser

from synclead.knowledge.index import index_status
from synclead.knowledge.retrieval import SearchResult, search_result
from synclead.providers.embeddings import EmbeddingsUnavailableError
from synclead.web.organizations.models import Organization


class Command(BaseCommand):
    help = "Search an organization's knowledge base as its agent would, and print the passages found with scores."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, metavar="SLUG", help="the organization, by its slug")
        parser.add_argument("question", help="what a caller asks, in quotes")
        parser.add_argument("--json", action="store_true", help='print [{"document", "text", "score"}, ...]')
        parser.add_argument("--limit", type=int, default=3, help="how many passages (default: 3, as the agent)")
        parser.add_argument("--language", choices=["en", "fr"], help="the caller's language (default: the org's)")

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["org"])
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization {slug!r}; `synclead org list` shows them.")
        question = str(options["question"]).strip()
        if not question:
            raise CommandError('Give a question, e.g. synclead ask --org demo "What are your opening hours?"')
        limit = int(options["limit"])  # type: ignore[call-overload]
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        language = str(options["language"] or organization.language)
        try:
            result = search_result(organization.pk, question, language, limit)
        except EmbeddingsUnavailableError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            rows = [{"document": p.document, "text": p.text, "score": p.score} for p in result.passages]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            self._print(result)
        warning = index_status(organization.pk).message
        if warning:
            self.stderr.write(f"{warning} (synclead ingest --org {slug} --reindex)")

    def _print(self, result: SearchResult) -> None:
        if not result.hits:
            self.stdout.write("No passage found.")
            return
        for number, hit in enumerate(result.hits, start=1):
            passage = hit.passage
            source = passage.document + (f" — {passage.heading}" if passage.heading else "")
            cosine = f", cosine {hit.cosine:.3f}" if hit.cosine is not None else ""
            self.stdout.write(f"{number}. score {passage.score:.3f}{cosine}  {source}")
            self.stdout.write(textwrap.indent(textwrap.fill(passage.text, width=100), "   "))
        self.stdout.write(f"best cosine: {result.best_cosine:.3f}" if result.best_cosine is not None else "")
