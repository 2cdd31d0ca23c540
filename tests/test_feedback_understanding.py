"""Language, sentiment, naming and clustering of feedback, in English and French (issue 6)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import silhouette_score

from launchloop.feedback.clustering import borrowed_english, cluster, match_clusters, silhouette
from launchloop.feedback.embeddings import (
    E5Embedder,
    HashedTfidfEmbedder,
    JointEmbedder,
    MiniLMEmbedder,
    english_only_dims,
)
from launchloop.feedback.language import detect_language
from launchloop.feedback.naming import theme_words, words_of
from launchloop.feedback.sentiment import nps, nps_category, raw_score, sentiment_of

#: Three problems, each written twice in English and twice in French.
PROBLEMS = {
    "submit": [
        "The submit button gives no feedback when I click it",
        "I clicked submit and nothing happened, no confirmation at all",
        "Quand je clique sur le bouton valider, rien ne se passe",
        "Le bouton envoyer ne donne aucun retour après le clic",
    ],
    "login": [
        "I cannot log in, my password is always rejected",
        "Login fails every time even with the right password",
        "Impossible de me connecter, mon mot de passe est refusé",
        "Je n'arrive pas à me connecter à mon compte",
    ],
    "export": [
        "Please add an export to Excel",
        "Can I export my reports as a CSV file?",
        "Ce serait bien de pouvoir exporter les données en Excel",
        "J'aimerais exporter mes rapports en CSV",
    ],
}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The submit button does not work on my phone", "en"),
        ("Le bouton valider ne fonctionne pas sur mon téléphone", "fr"),
        ("Je n'arrive pas à me connecter à mon compte", "fr"),
        ("Please add an export to Excel", "en"),
        ("12345 !!!", None),
        ("", None),
    ],
)
def test_language_is_detected_offline(text: str, language: str | None) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love the new dashboard, it is really fast", "positive"),
        ("J'adore la nouvelle interface, très pratique", "positive"),
        ("The submit button does not work, this is frustrating", "negative"),
        ("Le bouton valider ne marche pas, c'est frustrant", "negative"),
        ("Ce n'est pas bien", "negative"),
        ("It is not bad at all", "positive"),
        ("Ça ne plante plus, merci", "positive"),
        ("Where is the export button?", "neutral"),
        ("Où se trouve le bouton d'export ?", "neutral"),
    ],
)
def test_sentiment_in_english_and_french(text: str, label: str) -> None:
    assert sentiment_of(text).label == label


def test_sentiment_score_is_the_normalized_lexicon_sum() -> None:
    # "great" (+2) and "terrible" (-3), "very" scales "slow" (-1) by 1.5: total -2.5.
    total = raw_score("Great design but terrible support, very slow")
    assert total == pytest.approx(2 - 3 - 1.5)
    expected = total / math.sqrt(total * total + 15)
    assert sentiment_of("Great design but terrible support, very slow").score == pytest.approx(
        expected, abs=1e-4
    )


def test_a_neutral_comment_takes_the_mood_of_its_score() -> None:
    assert sentiment_of("rien à dire", kind="nps", score=3).label == "negative"
    assert sentiment_of("nothing to add", kind="nps", score=10).label == "positive"
    assert sentiment_of("nothing to add", kind="nps", score=8).label == "neutral"
    assert sentiment_of("ok", kind="csat", score=1).label == "positive"  # the text speaks first


@pytest.mark.parametrize(
    ("score", "category"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter")],
)
def test_nps_category(score: int, category: str) -> None:
    assert nps_category(score) == category


def test_nps_is_promoters_minus_detractors() -> None:
    # 3 promoters, 2 passives, 5 detractors out of 10: 30% - 50%.
    assert nps([10, 9, 9, 8, 7, 6, 5, 0, 3, 1]) == -20.0
    assert nps([]) is None
    with pytest.raises(ValueError):
        nps_category(11)


def test_theme_words_follow_class_tfidf_by_hand() -> None:
    themes = [["button click", "button broken"], ["login broken", "login password"]]
    # Theme 0 has 4 words: button x2, click, broken; over both themes f(button)=2, f(click)=1,
    # f(broken)=2; A = 8 words / 2 themes = 4; weight = tf/size * log(1 + A/f).
    button = 2 / 4 * math.log(1 + 4 / 2)
    click = 1 / 4 * math.log(1 + 4 / 1)
    broken = 1 / 4 * math.log(1 + 4 / 2)
    assert button > click > broken
    words = theme_words(themes, top=3)
    assert words[0] == ["button", "click", "broken"]
    assert words[1] == ["login", "password", "broken"]


def test_words_drop_french_and_english_stop_words() -> None:
    assert words_of("L'export ne marche pas, it's broken") == ["export", "marche", "broken"]


def test_silhouette_matches_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    points = np.vstack([rng.normal(c, 0.3, size=(15, 5)) for c in (0.0, 2.0, 4.0)])
    labels = np.repeat([0, 1, 2], 15)
    distances = np.linalg.norm(points[:, None] - points[None, :], axis=2)
    ours = silhouette(distances, labels)
    assert ours == pytest.approx(silhouette_score(distances, labels, metric="precomputed"))


def test_matching_keeps_ids_by_overlap() -> None:
    old = [frozenset({1, 2, 3, 4}), frozenset({5, 6, 7}), frozenset({8, 9})]
    new = [frozenset({5, 6, 7, 10}), frozenset({1, 2, 3}), frozenset({11, 12})]
    assert match_clusters(old, new) == {0: 1, 1: 0}


def test_hashed_tfidf_groups_shared_words() -> None:
    vectors = HashedTfidfEmbedder().embed(
        ["export to excel", "export to csv", "password rejected", "password refused"]
    )
    labels = cluster(vectors, count=2)
    assert labels[0] == labels[1] != labels[2] == labels[3]


@pytest.fixture(scope="module")
def fixture_vectors() -> tuple[list[str], np.ndarray]:
    texts = [text for group in PROBLEMS.values() for text in group]
    return texts, E5Embedder().embed(texts)


def test_french_and_english_items_about_one_problem_share_a_theme(
    fixture_vectors: tuple[list[str], np.ndarray],
) -> None:
    texts, vectors = fixture_vectors
    labels = cluster(vectors, count=3, languages=[detect_language(t) for t in texts])
    groups = [set(labels[i : i + 4].tolist()) for i in range(0, 12, 4)]
    assert all(len(group) == 1 for group in groups), labels
    assert len(set.union(*groups)) == 3


def test_without_a_count_english_and_french_still_group_by_problem(
    fixture_vectors: tuple[list[str], np.ndarray],
) -> None:
    texts, vectors = fixture_vectors
    labels = cluster(vectors, languages=[detect_language(t) for t in texts])
    # Each problem is one theme (the best cut may join two problems, never split one).
    for start in range(0, 12, 4):
        assert len(set(labels[start : start + 4].tolist())) == 1, labels
    assert labels[0] != labels[8]


def test_minilm_groups_english_paraphrases_offline() -> None:
    vectors = MiniLMEmbedder().embed(
        ["I cannot log in to my account", "Login fails with my password", "Add an Excel export"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_non_english_rows_borrow_the_english_part_of_their_two_closest_english_rows() -> None:
    # Columns 0-1: the multilingual part; column 2: the English-only part.
    vectors = np.array(
        [[1.0, 0.0, 0.2], [0.9, 0.1, 0.4], [0.0, 1.0, 0.9], [1.0, 0.05, -5.0]], dtype=np.float32
    )
    languages = ["en", "en", "en", "fr"]
    borrowed = borrowed_english(vectors, languages, english_dims=1)
    # The French row's 2 closest English rows by columns 0-1 are rows 0 and 1: it takes the
    # direction of the mean of their (one-dimensional) English parts, +1, at the length its own
    # English part had (5), then the row is rescaled to unit length.
    expected = np.array([1.0, 0.05, 5.0]) / np.linalg.norm([1.0, 0.05, 5.0])
    assert np.allclose(borrowed[3], expected, atol=1e-6)
    assert np.allclose(borrowed[:3], vectors[:3] / np.linalg.norm(vectors[:3], axis=1)[:, None])
    assert borrowed_english(vectors, ["en"] * 4, 1) is vectors


def test_joint_vectors_keep_french_and_english_items_about_one_problem_together() -> None:
    texts = [text for group in PROBLEMS.values() for text in group]
    joint = JointEmbedder(E5Embedder(), MiniLMEmbedder())
    assert joint.name == "e5-small-q4+minilm-l6-int8" and joint.dim == 768
    languages = [detect_language(t) for t in texts]
    dims = english_only_dims(joint.name)
    vectors = joint.embed(texts)
    for labels in (
        cluster(vectors, count=3, languages=languages, english_dims=dims),
        cluster(vectors, languages=languages, english_dims=dims),
    ):
        assert [len(set(labels[i : i + 4].tolist())) for i in range(0, 12, 4)] == [1, 1, 1]
        assert len(set(labels.tolist())) == 3, labels
