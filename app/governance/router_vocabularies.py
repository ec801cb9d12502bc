"""`GET /api/v1/vocabularies`: every code list, for a frontend's forms."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.core.errors import responses
from app.core.fields import Fields, read_model, select_fields
from app.core.http import resource_response
from app.core.planned import PlannedRoute
from app.core.security import PublicKey
from app.governance import vocabularies as vocab
from app.governance.schemas import FundingRoundTerms, Term, Vocabularies

router = APIRouter(prefix="/api/v1", tags=["vocabularies"], route_class=PlannedRoute)


def _terms(labels: dict[str, vocab.Label]) -> list[Term]:
    return [Term(code=str(code), da=lb.da, en=lb.en) for code, lb in labels.items()]


def build_vocabularies() -> Vocabularies:
    """The code lists of `app.governance.vocabularies` as one document."""
    lists = {name: _terms(labels) for name, (labels, _enum) in vocab.CODE_LISTS.items()}
    rounds = [
        FundingRoundTerms(
            code=code, da=lb.da, en=lb.en, focus_areas=_terms(vocab.FOCUS_AREAS.get(code, {}))
        )
        for code, lb in vocab.FUNDING_ROUNDS.items()
    ]
    return Vocabularies(**lists, funding_rounds=rounds)


@router.get(
    "/vocabularies",
    operation_id="get_vocabularies",
    response_model=read_model(Vocabularies),
    responses=responses(304, 400, 401, 403, 422),
)
async def get_vocabularies(
    request: Request,
    _key: PublicKey,
    fields: Annotated[Fields, Depends(select_fields(Vocabularies))],
) -> Response:
    """Every code list in use, each code with Danish (`da`) and English (`en`) labels."""
    return resource_response(request, build_vocabularies(), fields=fields)
