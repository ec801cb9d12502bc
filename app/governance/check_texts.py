"""The governance check's words, in Danish (the default) and English (issue 11 point 9).

Each rule has a message (what is wrong) and an action (what to do about it), formatted with
the finding's names and dates. `language` picks the language from `Accept-Language`.
"""

import uuid
from datetime import date, datetime

from app.core.clock import LOCAL_TZ
from app.governance.schemas import Finding, Severity, Subject
from app.governance.vocabularies import MEETING_MODES

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"

MONTHS_DA = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)

# rule → language → (message, action)
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "board-missing": {
        "da": (
            "Helhedsplanen {plan} har ingen aktiv bestyrelse.",
            "Opret bestyrelsen, eller genaktivér den (active: true).",
        ),
        "en": (
            "The plan {plan} has no active board.",
            "Create the board, or reactivate it (active: true).",
        ),
    },
    "chair-missing": {
        "da": (
            "{body} har ingen nuværende formand eller medformand.",
            "Giv et medlem rollen chair eller co_chair.",
        ),
        "en": (
            "{body} has no current chair or co-chair.",
            "Give a member the role chair or co_chair.",
        ),
    },
    "management-representation": {
        "da": (
            "{organization} har intet nuværende medlem af bestyrelsen {body}.",
            "Giv en leder fra {organization} en plads i bestyrelsen (on_behalf_of_id).",
        ),
        "en": (
            "{organization} has no current member of the board {body} on its behalf.",
            "Give a manager of {organization} a seat on the board (on_behalf_of_id).",
        ),
    },
    "liaison-missing": {
        "da": (
            "Ingen binder {body} sammen med {parent}: ingen sidder i begge, og intet medlem "
            "har rollen bindeled.",
            "Giv et medlem af {body} en plads i {parent}, eller rollen liaison.",
        ),
        "en": (
            "No one links {body} to {parent}: nobody sits in both, and no member has the "
            "liaison role.",
            "Give a member of {body} a seat in {parent}, or the liaison role.",
        ),
    },
    "mode-rotation": {
        "da": (
            "Mødet {meeting} i {body} den {day} er {mode}, men turnussen forventer {expected} "
            "her (og mødet har ingen mode_override_reason).",
            "Skift mødets mode til {expected_code}, eller begrund undtagelsen "
            "(mode_override_reason).",
        ),
        "en": (
            "The meeting {meeting} of {body} on {day} is {mode}, but the rotation expects "
            "{expected} there (and it has no mode_override_reason).",
            "Change the meeting's mode to {expected_code}, or give the reason it differs "
            "(mode_override_reason).",
        ),
    },
    "escalation-overdue": {
        "da": (
            "{parent} holdt mødet den {day} med den eskalerede beslutning {decision} fra "
            "{body} på dagsordenen uden at træffe afgørelse.",
            "Sæt sagen på næste møde i {parent}, og registrér afgørelsen med origin_decision_id.",
        ),
        "en": (
            "{parent} held the meeting on {day} with the escalated decision {decision} of "
            "{body} on its agenda without resolving it.",
            "Put the matter on {parent}'s next meeting and record the resolution with "
            "origin_decision_id.",
        ),
    },
    "escalation-waiting": {
        "da": (
            "Den eskalerede beslutning {decision} fra {body} venter i indbakken hos {parent}, "
            "selvom {parent} har holdt møde siden ({day}).",
            "Planlæg et møde i {parent}, eller sæt sagen på et planlagt møde.",
        ),
        "en": (
            "The escalated decision {decision} of {body} waits in {parent}'s inbox although "
            "{parent} has met since ({day}).",
            "Plan a meeting of {parent}, or put the matter on a planned one.",
        ),
    },
    "report-overdue": {
        "da": (
            "Beslutningen {decision} fra {body} er ikke afrapporteret, selvom {parent} har "
            "holdt møde siden ({day}).",
            "Sæt orienteringen på næste møde i {parent}.",
        ),
        "en": (
            "The decision {decision} of {body} is not reported although {parent} has held a "
            "meeting since ({day}).",
            "Put the report on {parent}'s next meeting.",
        ),
    },
    "no-upcoming-meeting": {
        "da": (
            "{body} har intet møde planlagt de næste 90 dage.",
            "Planlæg det næste møde (eller en mødeserie).",
        ),
        "en": (
            "{body} has no meeting planned in the next 90 days.",
            "Plan the next meeting (or a series).",
        ),
    },
    "plan-period-ended": {
        "da": (
            "Mødet {meeting} i {body} den {day} ligger efter helhedsplanens periode (slut {end}).",
            "Aflys eller flyt mødet, eller ret planens period_end.",
        ),
        "en": (
            "The meeting {meeting} of {body} on {day} lies after the plan's period (ended {end}).",
            "Cancel or move the meeting, or correct the plan's period_end.",
        ),
    },
    "action-overdue": {
        "da": (
            "Opfølgningspunktet {action} i {body} skulle være klaret {day}.",
            "Følg op hos {owner}: markér det done, ret due_date, eller drop det.",
        ),
        "en": (
            "The follow-up {action} of {body} was due on {day}.",
            "Follow up with {owner}: mark it done, move its due_date, or drop it.",
        ),
    },
}

NOBODY = {"da": "den ansvarlige", "en": "its owner"}
PARENT_UNKNOWN = {"da": "det organ, den rapporterer til", "en": "the body it reports to"}


def language(accept_language: str | None) -> str:
    """The best of da/en for an Accept-Language header (RFC 9110 §12.5.4); Danish by default."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in (accept_language or "").split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


def day(value: date | datetime, lang: str) -> str:
    """A day as people write it: 7. januar 2030 / 2030-01-07."""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    if lang == "da":
        return f"{value.day}. {MONTHS_DA[value.month - 1]} {value.year}"
    return value.isoformat()


def mode(code: str, lang: str) -> str:
    """A mode's label in the language, with its code: «Strategisk byudvikling» (…)."""
    label = MEETING_MODES.get(code)
    if label is None:
        return code
    return f"{label.da if lang == 'da' else label.en} ({code})"


def quoted(name: str, lang: str) -> str:
    """A name in the language's quotation marks."""
    return f"»{name}«" if lang == "da" else f"'{name}'"


def texts(rule: str, lang: str, **values: str) -> tuple[str, str]:
    """The rule's (message, action) in the language."""
    message, action = TEXTS[rule][lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    return message.format(**values), action.format(**values)


def finding(
    rule: str,
    severity: Severity,
    subject_type: str,
    subject_id: uuid.UUID,
    lang: str,
    **values: str,
) -> Finding:
    """A finding with its message and action in `lang`."""
    message, action = texts(rule, lang, **values)
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        action=action,
        subject=Subject(type=subject_type, id=subject_id),
    )
