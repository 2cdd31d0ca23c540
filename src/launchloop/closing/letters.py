"""The message to an author, in the language of their feedback (English or French)."""

# French typography uses the typographic apostrophe (U+2019) on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from dataclasses import dataclass

LETTER_LANGUAGES: tuple[str, ...] = ("en", "fr")

TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "subject": "{project}: what changed thanks to your feedback",
        "greeting": "Hello,",
        "intro": "You told us about {project}. Here is what we changed because of it:",
        "thanks": "Thank you for taking the time to tell us.",
        "unsubscribe": "To stop receiving these messages: {url}",
    },
    "fr": {
        "subject": "{project} : ce qui a changé grâce à votre avis",
        "greeting": "Bonjour,",
        "intro": "Vous nous avez fait part de votre avis sur {project}. Voici ce que nous avons "
        "changé grâce à lui :",
        "thanks": "Merci d’avoir pris le temps de nous écrire.",
        "unsubscribe": "Pour ne plus recevoir ces messages : {url}",
    },
}


@dataclass(frozen=True)
class Letter:
    """A message's subject and plain-text body."""

    subject: str
    body: str


def letter_language(feedback_languages: list[str | None]) -> str:
    """French when most of the author's feedback is French, else English."""
    french = sum(1 for code in feedback_languages if (code or "").lower().startswith("fr"))
    return "fr" if french * 2 > len(feedback_languages) else "en"


def write_letter(language: str, project: str, changes: list[str], unsubscribe_url: str) -> Letter:
    """The message listing ``changes`` in ``language`` with its unsubscribe link."""
    words = TEMPLATES.get(language, TEMPLATES["en"])
    lines = [
        words["greeting"],
        "",
        words["intro"].format(project=project),
        "",
        *(f"- {change}" for change in changes),
        "",
        words["thanks"],
        "",
        "-- ",
        words["unsubscribe"].format(url=unsubscribe_url),
    ]
    return Letter(words["subject"].format(project=project), "\n".join(lines))
