"""vCard and CSV exports: parsed back with `vobject` and `csv`, visibility included."""

import csv
import io
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import vobject

from tests.aio import ApiClient
from tests.directory.contacts_support import contact
from tests.helpers import assert_problem, municipality, organization


def _anna(editor: ApiClient) -> dict[str, Any]:
    org = municipality(editor)
    return contact(
        editor,
        given="Søren",
        family="Østergaard",
        job_title="Direktør for Teknik og Miljø",
        department="Teknik og Miljø",
        organization_id=org["id"],
        emails=[
            {"address": "soeren@example.org"},
            {"address": "privat@example.org", "label": "home", "visibility": "restricted"},
        ],
        phones=[
            {"number": "12 34 56 01"},
            {"number": "12 34 56 02", "label": "mobile", "visibility": "restricted"},
        ],
        responsibilities=["skole", "beskæftigelse"],
        notes="Intern note",
    )


def _cards(text: str) -> list[Any]:
    return list(vobject.readComponents(text))


def test_single_vcard(editor: ApiClient, reader: ApiClient) -> None:
    person = _anna(editor)
    response = editor.get(f"/api/v1/contacts/{person['id']}.vcf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/vcard; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="contact-{person["id"]}.vcf"'
    )
    assert "\r\n" in response.text
    [card] = _cards(response.text)
    assert card.version.value == "4.0"
    assert card.fn.value == "Søren Østergaard"
    assert card.n.value.family == "Østergaard" and card.n.value.given == "Søren"
    assert card.org.value == ["Randers Kommune", "Teknik og Miljø"]
    assert card.title.value == "Direktør for Teknik og Miljø"
    assert card.uid.value == f"urn:uuid:{person['id']}"
    emails = {e.value: e.params.get("TYPE") for e in card.contents["email"]}
    assert emails == {"soeren@example.org": ["work"], "privat@example.org": ["home"]}
    tels = {t.value: t.params for t in card.contents["tel"]}
    assert set(tels) == {"tel:+4512345601", "tel:+4512345602"}
    assert tels["tel:+4512345601"]["VALUE"] == ["uri"]
    assert tels["tel:+4512345601"]["TYPE"] == ["work", "voice"]
    assert tels["tel:+4512345602"]["TYPE"] == ["cell"]
    assert card.categories.value == ["skole", "beskæftigelse"]
    assert card.note.value == "Intern note"

    as_reader = reader.get(f"/api/v1/contacts/{person['id']}.vcf")
    [card] = _cards(as_reader.text)
    assert [e.value for e in card.contents["email"]] == ["soeren@example.org"]
    assert [t.value for t in card.contents["tel"]] == ["tel:+4512345601"]
    assert "note" not in card.contents
    assert "privat" not in as_reader.text and "+4512345602" not in as_reader.text
    assert "Intern" not in as_reader.text


def test_vcard_escapes_and_folds(editor: ApiClient) -> None:
    org = organization(editor, name="Bolig; Drift, og Service A/S")
    person = contact(
        editor,
        given="Anne-Marie",
        family="Bach, Jensen",
        job_title="Leder af en meget lang titel med æøå " * 3,
        organization_id=org["id"],
        notes="Linje 1\nLinje 2; med komma, og \\ skråstreg",
    )
    text = editor.get(f"/api/v1/contacts/{person['id']}.vcf").text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    [card] = _cards(text)
    assert card.n.value.family == "Bach, Jensen"
    assert card.org.value == ["Bolig; Drift, og Service A/S"]
    assert card.title.value == person["job_title"]
    assert card.note.value == "Linje 1\nLinje 2; med komma, og \\ skråstreg"


def test_list_vcard_follows_filters_and_visibility(editor: ApiClient, reader: ApiClient) -> None:
    _anna(editor)
    contact(editor, given="Bo", family="Dahl", responsibilities=["SSP"])
    contact(editor, given="Eva", family="Holm", archived=True)
    response = reader.get("/api/v1/contacts.vcf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/vcard; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="contacts.vcf"'
    cards = _cards(response.text)
    assert [c.fn.value for c in cards] == ["Bo Dahl", "Søren Østergaard"]
    assert "privat@example.org" not in response.text and "Intern" not in response.text
    filtered = _cards(reader.get("/api/v1/contacts.vcf", params={"q": "ØSTERGAARD"}).text)
    assert [c.fn.value for c in filtered] == ["Søren Østergaard"]
    archived = _cards(reader.get("/api/v1/contacts.vcf", params={"include_archived": "true"}).text)
    assert len(archived) == 3
    assert reader.get("/api/v1/contacts.vcf", params={"responsibility": "none"}).text == ""


def _rows(response: Any) -> list[dict[str, str]]:
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_export(editor: ApiClient, reader: ApiClient) -> None:
    person = _anna(editor)
    contact(editor, given="Bo", family="=Dahl", job_title="Leder, SSP")
    response = editor.get("/api/v1/contacts.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="contacts.csv"'
    assert response.content.split(b"\r\n")[0].decode("utf-8-sig").startswith("id,display_name,")
    rows = _rows(response)
    assert [r["family_name"] for r in rows] == ["'=Dahl", "Østergaard"]
    row = rows[1]
    assert row["id"] == person["id"]
    assert row["display_name"] == "Søren Østergaard"
    assert row["organization"] == "Randers Kommune"
    assert row["organization_kind"] == "municipality"
    assert row["emails"] == "soeren@example.org; privat@example.org"
    assert row["phones"] == "+4512345601; +4512345602"
    assert row["responsibilities"] == "skole; beskæftigelse"
    assert row["notes"] == "Intern note"
    assert rows[0]["job_title"] == "Leder, SSP"

    as_reader = reader.get("/api/v1/contacts.csv", params={"q": "søren"})
    [row] = _rows(as_reader)
    assert row["emails"] == "soeren@example.org"
    assert row["phones"] == "+4512345601"
    assert row["notes"] == ""
    assert "privat" not in as_reader.text and "Intern" not in as_reader.text


def test_export_routes_are_not_taken_for_ids(reader: ApiClient, editor: ApiClient) -> None:
    contact(editor)
    assert reader.get("/api/v1/contacts.vcf").status_code == 200
    assert reader.get("/api/v1/contacts.csv").status_code == 200
    assert_problem(reader.get("/api/v1/contacts/contacts.vcf"), 422)
    assert_problem(reader.get("/api/v1/contacts.vcf", params={"organization_kind": "x"}), 422)
    assert_problem(reader.get("/api/v1/contacts.csv", params={"modified_since": "1"}), 422)


def test_exports_are_declared_in_openapi(reader: ApiClient) -> None:
    paths = reader.get("/openapi.json").json()["paths"]
    for path, media in (
        ("/api/v1/contacts.vcf", "text/vcard"),
        ("/api/v1/contacts/{contact_id}.vcf", "text/vcard"),
        ("/api/v1/contacts.csv", "text/csv"),
    ):
        operation = paths[path]["get"]
        assert media in operation["responses"]["200"]["content"]
        assert "application/problem+json" in operation["responses"]["401"]["content"]


def test_writes_to_a_vcard_are_405(editor: ApiClient) -> None:
    person = contact(editor)
    for method in ("PATCH", "DELETE", "POST", "PUT"):
        response = editor.request(method, f"/api/v1/contacts/{person['id']}.vcf")
        assert_problem(response, 405)
        assert "GET" in response.headers["allow"]
    assert_problem(editor.put(f"/api/v1/contacts/{person['id']}", json={}), 405)
    assert_problem(editor.get(f"/api/v1/contacts/{person['id']}/erase"), 405)
    assert_problem(editor.post("/api/v1/contacts.csv"), 405)
    assert editor.get(f"/api/v1/contacts/{person['id']}").status_code == 200


# ---- issue 13: vCard 3.0 for Outlook desktop, the spreadsheet dialect ----------------------


def test_vcard_3_for_outlook(editor: ApiClient, reader: ApiClient) -> None:
    person = _anna(editor)
    response = editor.get(f"/api/v1/contacts/{person['id']}.vcf", params={"version": "3.0"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/vcard; charset=utf-8"
    [card] = _cards(response.text)
    assert card.version.value == "3.0"
    assert "KIND" not in response.text
    assert card.fn.value == "Søren Østergaard"
    assert card.n.value.family == "Østergaard" and card.n.value.given == "Søren"
    assert card.org.value == ["Randers Kommune", "Teknik og Miljø"]
    emails = {e.value: e.params.get("TYPE") for e in card.contents["email"]}
    assert emails == {
        "soeren@example.org": ["INTERNET", "WORK"],
        "privat@example.org": ["INTERNET", "HOME"],
    }
    tels = {t.value: t.params.get("TYPE") for t in card.contents["tel"]}
    assert tels == {"+4512345601": ["WORK", "VOICE"], "+4512345602": ["CELL", "VOICE"]}
    assert all("VALUE" not in t.params for t in card.contents["tel"])
    assert card.note.value == "Intern note"
    # Outlook desktop reads æøå right only with the charset named; ASCII lines stay plain
    assert card.fn.params["CHARSET"] == ["UTF-8"] and card.n.params["CHARSET"] == ["UTF-8"]
    assert "CHARSET" not in card.note.params and "CHARSET" not in card.uid.params
    assert "\r\nFN;CHARSET=UTF-8:Søren Østergaard\r\n" in response.text
    assert "CHARSET" not in editor.get(f"/api/v1/contacts/{person['id']}.vcf").text
    # the same visibility as 4.0, and the list export takes the version too
    listed = reader.get("/api/v1/contacts.vcf", params={"version": "3.0"})
    [card] = _cards(listed.text)
    assert card.version.value == "3.0"
    assert [t.value for t in card.contents["tel"]] == ["+4512345601"]
    assert "privat" not in listed.text and "Intern" not in listed.text
    four = _cards(reader.get("/api/v1/contacts.vcf", params={"version": "4.0"}).text)
    assert four[0].version.value == "4.0"
    for bad in ("2.1", "4", ""):
        assert_problem(reader.get("/api/v1/contacts.vcf", params={"version": bad}), 422)
        assert_problem(
            reader.get(f"/api/v1/contacts/{person['id']}.vcf", params={"version": bad}), 422
        )


def _excel_rows(response: Any) -> list[dict[str, str]]:
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_for_a_danish_spreadsheet(editor: ApiClient, reader: ApiClient) -> None:
    person = _anna(editor)
    editor.patch(
        f"/api/v1/contacts/{person['id']}",
        json={
            "phones": [
                {"number": "12 34 56 01"},
                {"number": "12 34 56 03"},
                {"number": "12 34 56 02", "label": "mobile", "visibility": "restricted"},
                {"number": "+46 8 123 456 78", "label": "switchboard"},
            ],
            "emails": [
                {"address": "soeren@example.org"},
                {"address": "privat@example.org", "label": "home", "visibility": "restricted"},
            ],
        },
    )
    contact(editor, given="Bo", family="=Dahl", job_title="@Leder; SSP", archived=True)
    response = editor.get("/api/v1/contacts.csv", params={"dialect": "excel"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    header = response.content.split(b"\r\n")[0].decode("utf-8-sig")
    assert header.startswith("Navn;Fornavn;Efternavn;Stilling;")
    [row] = _excel_rows(response)
    assert row["Navn"] == "Søren Østergaard"
    assert row["Organisation"] == "Randers Kommune"
    assert row["Organisationstype"] == "Kommune"
    assert row["Afdeling"] == "Teknik og Miljø"
    assert row["E-mail (arbejde)"] == "soeren@example.org"
    assert row["E-mail (privat)"] == "privat@example.org"
    assert row["E-mail (andet)"] == ""
    # phones: grouped digits (text to Excel, no formula), one column per label
    assert row["Telefon (arbejde)"] == "12 34 56 01, 12 34 56 03"
    assert row["Telefon (mobil)"] == "12 34 56 02"
    assert row["Telefon (omstilling)"] == "0046 8 123 456 78"
    assert row["Ansvarsområder"] == "skole, beskæftigelse"
    assert row["Noter"] == "Intern note"
    assert row["Arkiveret"] == "Nej" and row["Slettet"] == "Nej"
    assert row["ID"] == person["id"]
    updated = editor.get(f"/api/v1/contacts/{person['id']}").json()["updated_at"]
    local = datetime.fromisoformat(updated).astimezone(ZoneInfo("Europe/Copenhagen"))
    assert row["Opdateret"] == local.strftime("%d-%m-%Y %H:%M")
    assert re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d", row["Opdateret"])
    # no cell starts a formula
    everything = _excel_rows(
        editor.get("/api/v1/contacts.csv", params={"dialect": "excel", "include_archived": "true"})
    )
    dahl = next(r for r in everything if r["Fornavn"] == "Bo")
    assert dahl["Efternavn"] == "'=Dahl" and dahl["Stilling"] == "'@Leder; SSP"
    assert dahl["Arkiveret"] == "Ja"
    for cells in everything:
        assert all(not value or value[0] not in "=+-@" for value in cells.values()), cells
    # a reader: no restricted values, no notes
    [seen] = _excel_rows(reader.get("/api/v1/contacts.csv", params={"dialect": "excel"}))
    assert seen["Telefon (mobil)"] == "" and seen["E-mail (privat)"] == ""
    assert seen["Noter"] == ""


def test_csv_dialect_follows_accept_language(editor: ApiClient, reader: ApiClient) -> None:
    _anna(editor)
    for language, dialect in (
        ("da", "excel"),
        ("da-DK,da;q=0.9,en;q=0.8", "excel"),
        ("en-GB,en;q=0.9,da;q=0.8", "rfc4180"),
        ("en;q=0.5, da", "excel"),
        (None, "rfc4180"),
    ):
        headers = {"Accept-Language": language} if language else {}
        response = reader.get("/api/v1/contacts.csv", headers=headers)
        assert response.status_code == 200
        assert response.headers["vary"] == "Accept-Language"
        first = response.content.split(b"\r\n")[0].decode("utf-8-sig")
        assert first.startswith("Navn;" if dialect == "excel" else "id,display_name,"), language
    # the parameter wins over the header
    machine = reader.get(
        "/api/v1/contacts.csv", params={"dialect": "rfc4180"}, headers={"Accept-Language": "da"}
    )
    assert _rows(machine)[0]["phones"] == "+4512345601"
    assert_problem(reader.get("/api/v1/contacts.csv", params={"dialect": "excel2"}), 422)
