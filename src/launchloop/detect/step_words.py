"""Words that tie a feedback theme to a funnel step: "sign up", "signup" and "inscription" all
name the ``signup_completed`` step (issue 8: themes whose words match the step).

A step is named by its event (``signup_completed``) and the pages it happens on (``/signup``);
a theme by its name and its distinctive words. Both are reduced to concepts (a small table of
the words users and event names use for the same step, in English and French) and to their
specific words; a theme matches a step when they share one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

#: Words for the same step: the concept, then the phrases that name it.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "signup": ("signup", "sign up", "sign-up", "register", "registration", "create account",
               "create an account", "account creation", "new account", "inscription",
               "inscrire", "creer un compte", "creation de compte"),
    "login": ("login", "log in", "sign in", "signin", "connexion", "se connecter", "password",
              "mot de passe"),
    "checkout": ("checkout", "check out", "payment", "pay", "purchase", "paiement", "payer",
                 "achat", "cart", "panier"),
    "onboarding": ("onboarding", "getting started", "welcome tour", "premiers pas"),
    "export": ("export", "exported", "exporting", "exporter"),
    "upgrade": ("upgrade", "upgraded", "billing", "subscription", "abonnement", "facturation"),
}  # fmt: skip
#: Words too common in event names or tickets to tie anything.
GENERIC = frozenset(
    ("started", "completed", "viewed", "opened", "clicked", "submitted", "page", "button", "form",
     "error", "app", "user", "users", "does", "nothing", "works", "work", "click", "clicks",
     "when", "with", "this", "that", "from", "have", "after", "before")
)  # fmt: skip
MIN_WORD = 4


def plain(text: str) -> str:
    """Lower case, accents off, every separator (``_ - / .``) a space."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9']+", folded.replace("'", " ")))


def concepts_of(text: str) -> set[str]:
    """The concepts whose phrases appear as whole words in ``text``."""
    padded = f" {plain(text)} "
    return {
        concept
        for concept, phrases in CONCEPTS.items()
        if any(f" {plain(phrase)} " in padded for phrase in phrases)
    }


def specific_words(text: str) -> set[str]:
    """The words of ``text`` long and rare enough to tie a theme to a step."""
    return {w for w in plain(text).split() if len(w) >= MIN_WORD and w not in GENERIC}


def terms_of(texts: Iterable[str]) -> set[str]:
    """Concepts (``concept:signup``) and specific words of ``texts``."""
    joined = " ; ".join(texts)
    return {f"concept:{c}" for c in concepts_of(joined)} | specific_words(joined)


def matching_steps(
    theme_name: str, theme_words: Sequence[str], steps: Mapping[str, Sequence[str]]
) -> list[str]:
    """The step events whose event name or pages share a concept or word with the theme.

    :param steps: each step's event name and the pages it happens on.
    """
    theme = terms_of([theme_name, *theme_words])
    return sorted(
        event
        for event, pages in steps.items()
        if not event.startswith("$") and theme & terms_of([event, *pages])
    )
