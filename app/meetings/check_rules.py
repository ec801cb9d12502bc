"""Meeting rules of the governance check (mode-rotation, escalation-overdue, report-overdue,
no-upcoming-meeting): called by `app.governance.check.run_check`.

Stub: the meetings issue fills it in.
"""

from sqlalchemy.orm import Session

from app.governance.models import Body, Plan
from app.governance.schemas import Finding


def meeting_findings(session: Session, plan: Plan, bodies: list[Body]) -> list[Finding]:
    """Findings about the meetings of `plan`'s `bodies` (all of them, by name; check `active`).

    Order does not matter: run_check sorts by severity, then rule, keeping each rule's order.
    """
    return []
