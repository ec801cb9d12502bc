"""`GET /api/v1/vocabularies` and the label helpers other domains use."""

from typing import Any

from app.governance import vocabularies
from app.governance.check import STRUCTURE_RULES
from app.governance.vocabularies import CODE_LISTS, default_focus_areas, label, mode_label
from tests.aio import ApiClient
from tests.helpers import assert_problem


def _labels(doc: dict[str, Any], name: str) -> dict[str, tuple[str, str]]:
    return {t["code"]: (t["da"], t["en"]) for t in doc[name]}


def test_every_code_list_with_both_languages(reader: ApiClient) -> None:
    response = reader.get("/api/v1/vocabularies")
    assert response.status_code == 200, response.text
    doc = response.json()
    for name in CODE_LISTS:
        assert doc[name], name
        assert all(t["da"] and t["en"] for t in doc[name]), name
    assert _labels(doc, "meeting_modes")["urban_development"] == (
        "Strategisk byudvikling",
        "Strategic urban development",
    )
    assert _labels(doc, "meeting_modes")["plan_review"][0] == "Fremdrift i helhedsplanen"
    kinds = _labels(doc, "agenda_item_kinds")
    assert (kinds["trouble"][0], kinds["success"][0], kinds["information"][0]) == (
        "Bøvl",
        "Blær",
        "Orientering",
    )
    assert _labels(doc, "agenda_formats")["trouble_and_success"][0] == "Bøvl og blær"
    assert set(_labels(doc, "contact_visibilities")) == {"public", "partnership", "restricted"}
    assert _labels(doc, "phone_labels")["mobile"] == ("Mobil", "Mobile")
    assert _labels(doc, "email_labels")["work"] == ("Arbejde", "Work")
    assert set(_labels(doc, "organization_kinds")) >= {"municipality", "housing_organization"}
    assert set(_labels(doc, "member_roles")) >= {"chair", "co_chair", "liaison", "substitute"}
    assert set(_labels(doc, "decision_impacts")) == {"routine", "major"}
    assert set(_labels(doc, "check_rules")) >= {
        "board-missing",
        "chair-missing",
        "management-representation",
        "liaison-missing",
    }
    assert list(_labels(doc, "finding_severities")) == ["error", "warning", "info"]
    (round_2019,) = doc["funding_rounds"]
    assert round_2019["code"] == "2019-2026"
    assert [a["da"] for a in round_2019["focus_areas"]] == [
        "Uddannelse og livschancer",
        "Beskæftigelse",
        "Kriminalitetsforebyggelse",
        "Sammenhængskraft og medborgerskab",
    ]


def test_etag_and_auth(reader: ApiClient, anon: ApiClient) -> None:
    etag = reader.get("/api/v1/vocabularies").headers["etag"]
    assert reader.get("/api/v1/vocabularies", headers={"If-None-Match": etag}).status_code == 304
    assert_problem(anon.get("/api/v1/vocabularies"), 401)


def test_every_enum_member_has_labels() -> None:
    for name, (labels, enum) in CODE_LISTS.items():
        if enum is not None:
            assert set(labels) == {member.value for member in enum}, name
    assert set(STRUCTURE_RULES) <= set(vocabularies.CHECK_RULES)


def test_label_helpers() -> None:
    assert mode_label("urban_development") == "Strategisk byudvikling"
    assert mode_label("plan_review", "en") == "Plan review"
    assert label("body_kinds", "steering_group") == "Styregruppe"
    assert label("body_kinds", "unknown") == "unknown"
    assert vocabularies.mode_label("regular") == "Ordinært møde"
    assert default_focus_areas("1999-2000") == []
    assert default_focus_areas(None) == []
    assert default_focus_areas("2019-2026")[1] == {"key": "employment", "name": "Beskæftigelse"}
