"""Denmark's clock: what "today" and "a day" mean for memberships, feeds and series."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Copenhagen")


def local_today() -> date:
    """Today in Denmark: a membership is current from its start to its end date."""
    return datetime.now(LOCAL_TZ).date()


def local_day_start(day: date) -> datetime:
    """Midnight of a day in Copenhagen, as an aware datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)
