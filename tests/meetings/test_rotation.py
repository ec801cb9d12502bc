"""Rule 1 as pure functions: expected modes, violations and re-flow."""

import uuid
from datetime import UTC, datetime, timedelta

from app.meetings import rotation
from app.meetings.rotation import AUTO_OVERRIDE, AUTO_OVERRIDE_SCOPE, RotationChange, Slot

ALT = ["plan_review", "urban_development"]
PR, UD = ALT
T0 = datetime(2030, 1, 1, 9, tzinfo=UTC)


def slot(n: int, mode: str | None, status: str = "planned", override: str | None = None) -> Slot:
    return Slot(uuid.UUID(int=n + 1), T0 + timedelta(days=14 * n), mode, status, override)


def test_defaults_by_kind() -> None:
    assert rotation.effective_rotation([], "board") == ["plan_review"]
    assert rotation.effective_rotation(None, "steering_group") == ["regular"]
    assert rotation.effective_rotation(ALT, "board") == ALT


def test_following_is_cyclic() -> None:
    assert rotation.following(ALT, PR) == UD
    assert rotation.following(ALT, UD) == PR
    assert rotation.following(["regular"], "regular") == "regular"
    assert rotation.following(ALT, "regular") == PR


def test_first_meeting_is_free_then_alternates() -> None:
    slots = [slot(0, UD)]
    assert rotation.expected_at(ALT, [], slot(0, None).key) is None
    assert rotation.expected_at(ALT, slots, slot(1, None).key) == PR
    assert rotation.expected_at(ALT, [*slots, slot(1, PR)], slot(2, None).key) == UD


def test_cancelled_and_overridden_meetings_do_not_count() -> None:
    slots = [slot(0, PR), slot(1, UD, "cancelled"), slot(2, "regular", override="særmøde")]
    assert rotation.expected_at(ALT, slots, slot(3, None).key) == UD


def test_violations_name_the_expected_mode() -> None:
    slots = [slot(0, PR), slot(1, UD), slot(2, UD), slot(3, PR)]
    found = rotation.violations(ALT, slots)
    assert [(s.id, expected) for s, expected in found] == [(slots[2].id, PR)]
    assert rotation.violations(ALT, [slot(0, "regular")]) == [(slot(0, "regular"), PR)]


def test_subject_must_fit_its_place() -> None:
    slots = [slot(0, PR), slot(2, PR)]
    result = rotation.reflow(
        ALT, [*slots, slot(1, PR)], after=slot(1, PR).key, subject=slot(1, PR).id
    )
    assert not result.subject_fits and result.subject_expected == UD
    result = rotation.reflow(
        ALT, [*slots, slot(1, None)], after=slot(1, None).key, subject=slot(1, None).id
    )
    assert result.subject_fits and result.subject_mode == UD


def test_insert_before_others_reflows_planned_and_keeps_sent_agendas() -> None:
    existing = [slot(1, PR), slot(2, UD, "invited"), slot(3, PR), slot(4, UD, "held")]
    new = slot(0, PR)
    result = rotation.reflow(ALT, [*existing, new], after=new.key, subject=new.id)
    assert result.subject_fits
    # 1 becomes UD; 2 (invited) should be PR now: keeps UD with an override and stops counting;
    # so 3 follows 1 (UD) → PR (unchanged); 4 (held, UD) fits after 3.
    assert result.changes == [
        RotationChange(existing[0].id, PR, UD),
        RotationChange(existing[1].id, UD, UD, AUTO_OVERRIDE),
    ]


def test_cancelling_passes_the_mode_on() -> None:
    slots = [slot(0, PR), slot(1, UD, "cancelled"), slot(2, PR), slot(3, UD)]
    result = rotation.reflow(ALT, slots, after=slots[1].key)
    assert result.changes == [
        RotationChange(slots[2].id, PR, UD),
        RotationChange(slots[3].id, UD, PR),
    ]


def test_meetings_before_the_point_are_left_alone() -> None:
    slots = [slot(0, PR), slot(1, PR, "held"), slot(2, PR)]
    result = rotation.reflow(ALT, slots, after=slots[1].key)
    # the held one breaks the rotation (history), but only meetings after the point change
    assert result.changes == [RotationChange(slots[2].id, PR, UD)]


def test_refused_mode_keeps_the_planned_meeting_with_a_reason() -> None:
    slots = [slot(0, UD), slot(1, PR), slot(2, UD)]
    new = slot(-1, UD)
    result = rotation.reflow(
        ALT, [*slots, new], after=new.key, subject=new.id, refused={slots[0].id: PR}
    )
    # slot 0 should become PR but has items outside the plan: kept, no longer counting, so
    # slot 1 (PR) follows the new meeting (UD) and nothing else changes
    assert result.changes == [RotationChange(slots[0].id, UD, UD, AUTO_OVERRIDE_SCOPE)]


def test_single_mode_rotation_never_changes() -> None:
    slots = [slot(i, "regular") for i in range(4)]
    assert rotation.reflow(["regular"], slots, after=None).changes == []
    assert rotation.violations(["regular"], slots) == []


def test_a_drafted_planned_meeting_keeps_its_mode() -> None:
    # a new first meeting (plan review) before PR, UD, PR
    slots = [slot(1, PR), slot(2, UD), slot(3, PR)]
    new = slot(0, PR)
    plain = rotation.reflow(ALT, [*slots, new], after=new.key, subject=new.id)
    assert plain.changes == [
        RotationChange(slots[0].id, PR, UD),
        RotationChange(slots[1].id, UD, PR),
        RotationChange(slots[2].id, PR, UD),
    ]
    # the first one's agenda is drafted: it keeps plan_review outside the rotation, and the
    # rest follow the new meeting as if it were not there (so they fit as they are)
    drafted = rotation.reflow(
        ALT, [*slots, new], after=new.key, subject=new.id, drafted={slots[0].id}
    )
    assert drafted.changes == [
        RotationChange(slots[0].id, PR, PR, rotation.AUTO_OVERRIDE_AGENDA),
    ]


def test_meetings_before_a_rotation_change_do_not_count() -> None:
    slots = [slot(0, PR, "held"), slot(1, PR, "held"), slot(2, PR), slot(3, PR)]
    since = slots[2].starts_at
    current = rotation.current(slots, since)
    assert [s.id for s in current] == [slots[2].id, slots[3].id]
    assert rotation.current(slots, None) == slots
    # under the old rotation all fit; under the new one, counted from the change, only the
    # second planned meeting breaks it — the held ones are not reported
    assert rotation.violations(["plan_review"], slots) == []
    assert [s.id for s, _ in rotation.violations(ALT, current)] == [slots[3].id]
    assert len(rotation.violations(ALT, slots)) == 3
