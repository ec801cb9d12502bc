"""Every code list of the API with Danish and English labels (`GET /api/v1/vocabularies`).

Other domains take their labels from here, e.g. `mode_label(mode)` for an ICS `CATEGORIES`
value, or `label("meeting_modes", mode, "en")`.
"""

from enum import StrEnum
from typing import Literal, NamedTuple

from app.core.security import Role
from app.directory.schemas import EmailLabel, OrganizationKind, PhoneLabel, Visibility
from app.governance.enums import AgendaFormat, BodyKind, MemberRole, PlanStatus
from app.governance.schemas import Severity
from app.meetings.enums import (
    ActionStatus,
    AgendaItemKind,
    AgendaOutcome,
    DecisionImpact,
    DecisionStatus,
    MeetingMode,
    MeetingStatus,
)

Language = Literal["da", "en"]


class Label(NamedTuple):
    """A code's label in Danish and English."""

    da: str
    en: str


ORGANIZATION_KINDS: dict[str, Label] = {
    OrganizationKind.municipality: Label("Kommune", "Municipality"),
    OrganizationKind.housing_organization: Label("Boligorganisation", "Housing organisation"),
    OrganizationKind.housing_department: Label("Boligafdeling", "Housing department"),
    OrganizationKind.institution: Label("Institution", "Institution"),
    OrganizationKind.police: Label("Politi", "Police"),
    OrganizationKind.other: Label("Andet", "Other"),
}

BODY_KINDS: dict[str, Label] = {
    BodyKind.board: Label("Bestyrelse", "Board"),
    BodyKind.steering_group: Label("Styregruppe", "Steering group"),
    BodyKind.working_group: Label("Arbejdsgruppe", "Working group"),
    BodyKind.follow_up_group: Label("Følgegruppe", "Follow-up group"),
    BodyKind.secretariat: Label("Sekretariat", "Secretariat"),
    BodyKind.other: Label("Andet", "Other"),
}

MEMBER_ROLES: dict[str, Label] = {
    MemberRole.chair: Label("Formand", "Chair"),
    MemberRole.co_chair: Label("Medformand", "Co-chair"),
    MemberRole.vice_chair: Label("Næstformand", "Vice-chair"),
    MemberRole.member: Label("Medlem", "Member"),
    MemberRole.secretary: Label("Sekretær", "Secretary"),
    MemberRole.liaison: Label("Bindeled", "Liaison"),
    MemberRole.observer: Label("Observatør", "Observer"),
    MemberRole.substitute: Label("Suppleant", "Substitute"),
}

PLAN_STATUSES: dict[str, Label] = {
    PlanStatus.draft: Label("Kladde", "Draft"),
    PlanStatus.active: Label("Aktiv", "Active"),
    PlanStatus.ended: Label("Afsluttet", "Ended"),
}

MEETING_MODES: dict[str, Label] = {
    MeetingMode.plan_review: Label("Fremdrift i helhedsplanen", "Plan review"),
    MeetingMode.urban_development: Label("Strategisk byudvikling", "Strategic urban development"),
    MeetingMode.regular: Label("Ordinært møde", "Regular meeting"),
}

MEETING_STATUSES: dict[str, Label] = {
    MeetingStatus.planned: Label("Planlagt", "Planned"),
    MeetingStatus.invited: Label("Indkaldt", "Invited"),
    MeetingStatus.held: Label("Afholdt", "Held"),
    MeetingStatus.minutes_approved: Label("Referat godkendt", "Minutes approved"),
    MeetingStatus.cancelled: Label("Aflyst", "Cancelled"),
}

AGENDA_ITEM_KINDS: dict[str, Label] = {
    AgendaItemKind.decision: Label("Beslutning", "Decision"),
    AgendaItemKind.information: Label("Orientering", "Information"),
    AgendaItemKind.discussion: Label("Drøftelse", "Discussion"),
    AgendaItemKind.trouble: Label("Bøvl", "Trouble"),
    AgendaItemKind.success: Label("Blær", "Success"),
}

AGENDA_FORMATS: dict[str, Label] = {
    AgendaFormat.standard: Label("Almindelig dagsorden", "Standard agenda"),
    AgendaFormat.trouble_and_success: Label("Bøvl og blær", "Trouble and success"),
}

DECISION_IMPACTS: dict[str, Label] = {
    DecisionImpact.routine: Label("Hverdagsbeslutning", "Routine decision"),
    DecisionImpact.major: Label("Større beslutning", "Major decision"),
}

DECISION_STATUSES: dict[str, Label] = {
    DecisionStatus.decided: Label("Besluttet", "Decided"),
    DecisionStatus.escalated: Label("Sendt videre", "Escalated"),
    DecisionStatus.resolved: Label("Afgjort", "Resolved"),
    DecisionStatus.withdrawn: Label("Trukket tilbage", "Withdrawn"),
}

AGENDA_OUTCOMES: dict[str, Label] = {
    AgendaOutcome.decided: Label("Besluttet", "Decided"),
    AgendaOutcome.noted: Label("Taget til efterretning", "Noted"),
    AgendaOutcome.discussed: Label("Drøftet", "Discussed"),
    AgendaOutcome.postponed: Label("Udsat", "Postponed"),
}

CONTACT_VISIBILITIES: dict[str, Label] = {
    Visibility.public: Label("Offentlig", "Public"),
    Visibility.partnership: Label("Partnerskabet", "Partnership"),
    Visibility.restricted: Label("Begrænset", "Restricted"),
}

EMAIL_LABELS: dict[str, Label] = {
    EmailLabel.work: Label("Arbejde", "Work"),
    EmailLabel.home: Label("Privat", "Home"),
    EmailLabel.other: Label("Andet", "Other"),
}

PHONE_LABELS: dict[str, Label] = {
    PhoneLabel.work: Label("Arbejde", "Work"),
    PhoneLabel.mobile: Label("Mobil", "Mobile"),
    PhoneLabel.switchboard: Label("Omstilling", "Switchboard"),
    PhoneLabel.home: Label("Privat", "Home"),
    PhoneLabel.other: Label("Andet", "Other"),
}

FINDING_SEVERITIES: dict[str, Label] = {
    Severity.error: Label("Fejl", "Error"),
    Severity.warning: Label("Advarsel", "Warning"),
    Severity.info: Label("Til orientering", "Information"),
}

# The rules of the governance check (`GET /plans/{id}/governance-check`).
CHECK_RULES: dict[str, Label] = {
    "board-missing": Label("Ingen bestyrelse", "No board"),
    "chair-missing": Label(
        "Bestyrelsen eller styregruppen har ingen formand",
        "The board or steering group has no chair",
    ),
    "management-representation": Label(
        "Topledelsen er ikke med i bestyrelsen", "Top management missing from the board"
    ),
    "liaison-missing": Label("Intet bindeled", "No liaison"),
    "mode-rotation": Label("Mødetyperne følger ikke rækkefølgen", "Meeting modes out of rotation"),
    "escalation-overdue": Label(
        "Beslutning venter på det overordnede organ", "Escalated decision waiting"
    ),
    "report-overdue": Label("Orientering mangler", "Report overdue"),
    "no-upcoming-meeting": Label("Intet kommende møde", "No upcoming meeting"),
    "escalation-waiting": Label("Sag venter i indbakken", "Escalation waiting in the inbox"),
    "plan-period-ended": Label(
        "Møde efter helhedsplanens periode", "Meeting after the plan's period"
    ),
    "action-overdue": Label("Opfølgningspunkt over fristen", "Follow-up overdue"),
}

ACTION_STATUSES: dict[str, Label] = {
    ActionStatus.open: Label("Åben", "Open"),
    ActionStatus.done: Label("Udført", "Done"),
    ActionStatus.dropped: Label("Droppet", "Dropped"),
}

API_KEY_ROLES: dict[str, Label] = {
    Role.reader: Label("Læser", "Reader"),
    Role.editor: Label("Redaktør", "Editor"),
    Role.admin: Label("Administrator", "Administrator"),
    Role.calendar: Label("Kalender", "Calendar"),
    Role.public: Label("Offentlig", "Public"),
}

# Focus areas (indsatsområder) per funding round (bevillingsramme): the keys are stable codes,
# the Danish label is the name a plan gets by default.
FUNDING_ROUNDS: dict[str, Label] = {
    "2019-2026": Label("Landsbyggefonden 2019-2026", "National Building Fund 2019-2026"),
}

FOCUS_AREAS: dict[str, dict[str, Label]] = {
    "2019-2026": {
        "education_and_life_chances": Label(
            "Uddannelse og livschancer", "Education and life chances"
        ),
        "employment": Label("Beskæftigelse", "Employment"),
        "crime_prevention": Label("Kriminalitetsforebyggelse", "Crime prevention"),
        "cohesion_and_citizenship": Label(
            "Sammenhængskraft og medborgerskab", "Cohesion and citizenship"
        ),
    },
}

# name in the API → (code list, the enum it labels, or None for lists without one)
CODE_LISTS: dict[str, tuple[dict[str, Label], type[StrEnum] | None]] = {
    "organization_kinds": (ORGANIZATION_KINDS, OrganizationKind),
    "body_kinds": (BODY_KINDS, BodyKind),
    "member_roles": (MEMBER_ROLES, MemberRole),
    "plan_statuses": (PLAN_STATUSES, PlanStatus),
    "meeting_modes": (MEETING_MODES, MeetingMode),
    "meeting_statuses": (MEETING_STATUSES, MeetingStatus),
    "agenda_item_kinds": (AGENDA_ITEM_KINDS, AgendaItemKind),
    "agenda_formats": (AGENDA_FORMATS, AgendaFormat),
    "decision_impacts": (DECISION_IMPACTS, DecisionImpact),
    "decision_statuses": (DECISION_STATUSES, DecisionStatus),
    "agenda_outcomes": (AGENDA_OUTCOMES, AgendaOutcome),
    "action_statuses": (ACTION_STATUSES, ActionStatus),
    "contact_visibilities": (CONTACT_VISIBILITIES, Visibility),
    "email_labels": (EMAIL_LABELS, EmailLabel),
    "phone_labels": (PHONE_LABELS, PhoneLabel),
    "finding_severities": (FINDING_SEVERITIES, Severity),
    "check_rules": (CHECK_RULES, None),
    "api_key_roles": (API_KEY_ROLES, Role),
}


def label(code_list: str, code: str, language: Language = "da") -> str:
    """The label of `code` in one of `CODE_LISTS`; the code itself when it has none."""
    labels = CODE_LISTS[code_list][0].get(code)
    if labels is None:
        return code
    return labels.da if language == "da" else labels.en


def mode_label(mode: str, language: Language = "da") -> str:
    """A meeting mode's label: `mode_label("urban_development")` → "Strategisk byudvikling"."""
    return label("meeting_modes", mode, language)


def default_focus_areas(funding_round: str | None) -> list[dict[str, str]]:
    """A funding round's focus areas as a plan stores them (`[{key, name}]`); [] if unknown."""
    areas = FOCUS_AREAS.get(funding_round or "", {})
    return [{"key": key, "name": lb.da} for key, lb in areas.items()]
