"""Mode rotation (DESIGN §2 rule 1): pure functions over a body's meetings, and their use.

A body's `meeting_rotation` is a cycle of modes. Of its meetings that are not cancelled and
carry no `mode_override_reason`, ordered by (`starts_at`, `id`), the first may have any mode
of the rotation and each later one the mode that follows its predecessor's.

The functions here take plain `Slot`s and return what should change; they never touch the
database, so the rule is tested on its own (tests/meetings/test_rotation.py).
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.governance.bodies import default_rotation
from app.meetings.enums import MeetingStatus

AUTO_OVERRIDE = "mode kept: agenda already sent"
AUTO_OVERRIDE_SCOPE = "mode kept: the agenda has items outside the plan"
AUTO_OVERRIDE_AGENDA = "mode kept: the agenda is already drafted"


def current(slots: Iterable["Slot"], since: datetime | None) -> list["Slot"]:
    """The slots that count under the body's current rotation: those starting at or after
    `since` (when the rotation last changed; None: all). Meetings before a rotation change
    were held under the old one: they neither break nor steer the new one."""
    if since is None:
        return list(slots)
    return [s for s in slots if s.starts_at >= since]


def effective_rotation(rotation: Sequence[str] | None, body_kind: str) -> list[str]:
    """The body's rotation, or the default for its kind when it has none."""
    modes = [str(m) for m in rotation or []]
    return modes or default_rotation(body_kind)


def following(rotation: Sequence[str], mode: str) -> str:
    """The mode after `mode` in the cycle (the first one when `mode` is not in it)."""
    if mode not in rotation:
        return rotation[0]
    return rotation[(list(rotation).index(mode) + 1) % len(rotation)]


Key = tuple[datetime, uuid.UUID]


@dataclass(frozen=True)
class Slot:
    """A meeting as the rotation sees it. `mode` None: to be chosen by the rotation."""

    id: uuid.UUID
    starts_at: datetime
    mode: str | None
    status: str
    override: str | None = None

    @property
    def key(self) -> Key:
        """The rotation's order: start, then id."""
        return (self.starts_at, self.id)

    @property
    def counts(self) -> bool:
        """Whether it takes part in the rotation."""
        return self.status != MeetingStatus.cancelled and not self.override


@dataclass(frozen=True)
class RotationChange:
    """One meeting the re-flow changed: a new mode, or its mode kept with an override."""

    meeting_id: uuid.UUID
    from_mode: str
    to_mode: str
    mode_override_reason: str | None = None


@dataclass
class Reflow:
    """The outcome of a re-flow: the changes, and what the subject meeting was expected to be."""

    changes: list[RotationChange] = field(default_factory=list)
    subject_expected: str | None = None
    subject_fits: bool = True
    subject_mode: str | None = None


def ordered(slots: Iterable[Slot]) -> list[Slot]:
    """Slots in rotation order."""
    return sorted(slots, key=lambda s: s.key)


def _expected(rotation: Sequence[str], prev: str | None) -> str | None:
    return None if prev is None else following(rotation, prev)


def _chain_mode(rotation: Sequence[str], actual: str, expected: str | None) -> str:
    # What the next meeting follows: the actual mode, or (if it is not in the rotation at all)
    # the mode its place expected, so one stray mode does not derail the rest.
    if actual in rotation:
        return actual
    return expected if expected is not None else rotation[0]


def expected_at(
    rotation: Sequence[str], slots: Iterable[Slot], key: Key, exclude: uuid.UUID | None = None
) -> str | None:
    """The mode a meeting placed at `key` must have; None when it would be the first."""
    prev: str | None = None
    for slot in ordered(slots):
        if slot.key >= key:
            break
        if slot.id == exclude or not slot.counts or slot.mode is None:
            continue
        prev = _chain_mode(rotation, slot.mode, _expected(rotation, prev))
    return _expected(rotation, prev)


def violations(rotation: Sequence[str], slots: Iterable[Slot]) -> list[tuple[Slot, str]]:
    """Counting meetings whose mode breaks the rotation, with the mode their place expects."""
    out: list[tuple[Slot, str]] = []
    prev: str | None = None
    for slot in ordered(slots):
        if not slot.counts or slot.mode is None:
            continue
        expected = _expected(rotation, prev)
        if expected is None:
            if slot.mode not in rotation:
                out.append((slot, rotation[0]))
        elif slot.mode != expected:
            out.append((slot, expected))
        prev = _chain_mode(rotation, slot.mode, expected)
    return out


def reflow(
    rotation: Sequence[str],
    slots: Iterable[Slot],
    *,
    after: Key | None,
    subject: uuid.UUID | None = None,
    refused: Mapping[uuid.UUID, str] | None = None,
    drafted: Iterable[uuid.UUID] = (),
) -> Reflow:
    """Walk the rotation and re-flow the meetings after `after` (all when None).

    The `subject` is the meeting being written: it never changes here; the result says which
    mode its place expects and whether it fits (a subject without a mode takes the expected one).
    Later `planned` meetings take the expected mode; `invited`, `held` and `minutes_approved`
    ones keep theirs and, where it no longer fits, get `AUTO_OVERRIDE`. `refused` maps a
    planned meeting to a mode it cannot take (its agenda forbids it): it keeps its mode, with
    `AUTO_OVERRIDE_SCOPE`. A planned meeting in `drafted` (its agenda has items) never changes
    mode: where it no longer fits it keeps its mode with `AUTO_OVERRIDE_AGENDA`, so a drafted
    agenda and the calendar's category never disagree.
    """
    refused = refused or {}
    has_agenda = set(drafted)
    result = Reflow()
    prev: str | None = None
    for slot in ordered(slots):
        if not slot.counts:
            continue
        expected = _expected(rotation, prev)
        if slot.id == subject:
            result.subject_expected = expected if expected is not None else rotation[0]
            mode = slot.mode if slot.mode is not None else result.subject_expected
            result.subject_mode = mode
            if expected is None:
                result.subject_fits = mode in rotation
            else:
                result.subject_fits = mode == expected
            prev = _chain_mode(rotation, mode, expected)
            continue
        if slot.mode is None:
            continue
        wanted = expected if expected is not None else rotation[0]
        fits = slot.mode == expected if expected is not None else slot.mode in rotation
        if fits or (after is not None and slot.key <= after):
            prev = _chain_mode(rotation, slot.mode, expected)
            continue
        if (
            slot.status == MeetingStatus.planned
            and refused.get(slot.id) != wanted
            and slot.id not in has_agenda
        ):
            result.changes.append(RotationChange(slot.id, slot.mode, wanted))
            prev = wanted
        else:
            if slot.status != MeetingStatus.planned:
                reason = AUTO_OVERRIDE
            elif refused.get(slot.id) == wanted:
                reason = AUTO_OVERRIDE_SCOPE
            else:
                reason = AUTO_OVERRIDE_AGENDA
            result.changes.append(RotationChange(slot.id, slot.mode, slot.mode, reason))
            # an overridden meeting no longer moves the rotation: prev stays
    return result
