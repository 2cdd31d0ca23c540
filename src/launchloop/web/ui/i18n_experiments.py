"""Messages of the experiment pages in English and French, merged into the catalogues of
:mod:`launchloop.web.ui.i18n` (kept apart so the pages of several issues can grow in parallel)."""

# French typography uses the typographic apostrophe (U+2019) on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

ENGLISH: dict[str, str] = {
    "experiments": "Experiments",
    "experiment": "Experiment",
    "action": "Action",
    "results": "Results per variant",
    "no_analysis": "Not analysed yet: run the analysis once persons are exposed.",
    "run_analysis": "Run the analysis",
    "analysed": "Analysis #{number} stored.",
    "variant": "Variant",
    "units": "Persons",
    "mean": "Mean",
    "lift": "Lift",
    "lift_chart": "Lift against control with its confidence interval",
    "confidence_interval": "Confidence interval",
    "chance_to_win": "Chance to win",
    "risk": "Risk (control / treatment)",
    "risk_hint": "Expected loss of choosing control, and of choosing the treatment",
    "control": "control",
    "srm_warning": "Sample ratio mismatch (p = {p}): the split differs from the plan; "
    "check the assignment before trusting the results.",
    "excluded": "{count} person(s) saw several variants and were left out.",
    "power_line": "{per_variant} persons per variant ({total} in all) to detect the expected "
    "change.",
    "days_line": "Days needed: {needed}; running for {running}; remaining: {remaining}.",
    "guardrails": "Guardrails",
    "guardrail_ok": "no significant harm",
    "guardrail_harmed": "moved the wrong way: {variants}",
    "decision": "Decision",
    "decide": "Decide and record the learning",
    "decision_ship": "Ship",
    "decision_iterate": "Iterate",
    "decision_stop": "Stop",
    "reason": "Reason",
    "likeliest_winner": "likeliest winner",
    "generalize": "Worth generalizing",
    "learning": "Learning",
    "learning_recorded": "Decided; learning #{number} recorded.",
}

FRENCH: dict[str, str] = {
    "experiments": "Expériences",
    "experiment": "Expérience",
    "action": "Action",
    "results": "Résultats par variante",
    "no_analysis": "Pas encore analysée : lancez l’analyse une fois des personnes exposées.",
    "run_analysis": "Lancer l’analyse",
    "analysed": "Analyse n° {number} enregistrée.",
    "variant": "Variante",
    "units": "Personnes",
    "mean": "Moyenne",
    "lift": "Effet",
    "lift_chart": "Effet face au témoin, avec son intervalle de confiance",
    "confidence_interval": "Intervalle de confiance",
    "chance_to_win": "Chance de gagner",
    "risk": "Risque (témoin / variante)",
    "risk_hint": "Perte attendue en choisissant le témoin, puis la variante",
    "control": "témoin",
    "srm_warning": "Déséquilibre d’échantillon (p = {p}) : la répartition s’écarte du plan ; "
    "vérifiez l’affectation avant de croire les résultats.",
    "excluded": "{count} personne(s) ont vu plusieurs variantes et sont exclues.",
    "power_line": "{per_variant} personnes par variante ({total} en tout) pour détecter la "
    "variation attendue.",
    "days_line": "Jours nécessaires : {needed} ; en cours depuis {running} ; "
    "restants : {remaining}.",
    "guardrails": "Garde-fous",
    "guardrail_ok": "pas de dégradation significative",
    "guardrail_harmed": "dégradé par : {variants}",
    "decision": "Décision",
    "decide": "Décider et enregistrer l’apprentissage",
    "decision_ship": "Déployer",
    "decision_iterate": "Itérer",
    "decision_stop": "Arrêter",
    "reason": "Raison",
    "likeliest_winner": "la plus susceptible de gagner",
    "generalize": "À généraliser",
    "learning": "Apprentissage",
    "learning_recorded": "Décidé ; apprentissage n° {number} enregistré.",
}
