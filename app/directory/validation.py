"""Identifier checks: CVR numbers, phone numbers."""

import phonenumbers

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def is_valid_cvr(cvr: str) -> bool:
    """Whether `cvr` is 8 ASCII digits passing the modulus-11 check (weights 2,7,6,5,4,3,2,1)."""
    if len(cvr) != 8 or not cvr.isascii() or not cvr.isdigit() or cvr[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(cvr, CVR_WEIGHTS, strict=True)) % 11 == 0


def normalize_phone(raw: str, region: str = "DK") -> str:
    """The E.164 form of `raw` (Denmark by default); ValueError unless it is a possible number.

    Possible means the right length and form for its country (`phonenumbers.is_possible_number`),
    not that the number is allocated: the demo data uses the unallocated +45 12 range.
    """
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if number.extension:
        raise ValueError("extensions are not supported; give the direct number")
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible phone number for its country (wrong length or form)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
