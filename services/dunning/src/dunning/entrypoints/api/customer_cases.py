"""`GET /v1/dunning/cases/{case_id}` and `POST …/payment-date`: a case as its customer sees it.

Finance reads any case with its key, as before; a customer reads and acts on their own
case only (another customer's is 404). The unused `_admin`, `_finance` and `_portal`
parameters only document in OpenAPI which credentials `CaseAccess` takes. Choosing the
payment date answers the case with `payment_date` set.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from dunning.adapters.case_queries import CaseDetail, FinanceQueries
from dunning.entrypoints.api.case_access import CaseAccess
from dunning.service_layer.payment_dates import CaseCaller, ChoosePaymentDate
from shared.http.errors import ApiError
from shared.http.security import AdminKeyDoc, FinanceKeyDoc, PortalTokenDoc


class PaymentDateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: str = Field(
        max_length=40, description="the day to be charged, `YYYY-MM-DD` in the customer's timezone"
    )


def customer_cases_router(access: CaseAccess, queries: FinanceQueries) -> APIRouter:
    router = APIRouter(prefix="/v1/dunning", tags=["cases"])

    async def detail(case_id: str, who: CaseCaller) -> CaseDetail:
        case = await queries.case_detail(case_id)
        if case is None or not who.may_see_case(case.customer_id, case.id):
            raise ApiError(404, "not_found", f"no dunning case {case_id}", "case_id")
        return case

    @router.get("/cases/{case_id}", response_model=CaseDetail)
    async def get_case(
        request: Request, case_id: str, _admin: AdminKeyDoc, _finance: FinanceKeyDoc, _portal: PortalTokenDoc
    ) -> CaseDetail:
        return await detail(case_id, await access.caller(request, finance_reads=True))

    @router.post("/cases/{case_id}/payment-date", response_model=CaseDetail)
    async def payment_date(
        request: Request, case_id: str, body: PaymentDateIn, _admin: AdminKeyDoc, _portal: PortalTokenDoc
    ) -> CaseDetail:
        who = await access.caller(request, finance_reads=False)
        await access.bus.handle(ChoosePaymentDate(case_id, body.date, who))
        return await detail(case_id, who)

    return router
