"""The portal's invoice list and printable receipts.

A receipt is a page of its own that prints cleanly (the page's print stylesheet hides
the header and the buttons), so the browser's "Save as PDF" makes the document a
customer files; it names the seller (`SELLER_NAME`, `SELLER_ADDRESS`), the lines, the
total and how it was paid.
"""

from __future__ import annotations

from dataclasses import dataclass

from pause.entrypoints.web.billing_invoices import PortalInvoice
from pause.entrypoints.web.page import N_, esc, gettext, money, short_day, t

STATUS = {
    "paid": N_("Paid"),
    "open": N_("Open"),
    "uncollectible": N_("Not collected"),
    "void": N_("Void"),
    "draft": N_("Draft"),
}


LINES = {"subscription": N_("Subscription"), "beach_fee": N_("On the beach: paused month")}
"""What a line is for, by the invoice's context, in the customer's language; billing's own
description (in English) is shown for anything else."""


@dataclass(frozen=True)
class Seller:
    name: str
    address: list[str]


def _status(invoice: PortalInvoice) -> str:
    return esc(gettext(STATUS.get(invoice.status, invoice.status)))


def _period(invoice: PortalInvoice) -> str:
    return t("%(start)s to %(end)s", start=short_day(invoice.period_start), end=short_day(invoice.period_end))


def invoice_list(invoices: list[PortalInvoice], problem: str | None) -> str:
    if problem:
        return f'<p class="error" role="alert">{t(problem)}</p>' + _back()
    if not invoices:
        return f'<p class="card">{t("You have no invoices yet.")}</p>' + _back()
    rows = "".join(
        "<tr>"
        f'<td><a href="/portal/invoices/{esc(i.id)}">{esc(i.number)}</a></td>'
        f"<td>{short_day(i.created_at)}</td><td>{_period(i)}</td>"
        f'<td class="num">{money(i.total)}</td><td>{_status(i)}</td>'
        f"<td>{esc(i.card) if i.card else ''}</td></tr>"
        for i in invoices
    )
    head = "".join(
        f'<th scope="col"{" class=num" if h == "Amount" else ""}>{t(h)}</th>'
        for h in (N_("Invoice"), N_("Date"), N_("Period"), N_("Amount"), N_("Status"), N_("Paid with"))
    )
    return (
        f'<section class="card"><div style="overflow-x:auto"><table><caption class="muted">'
        f"{t('Your invoices, newest first. Open one for a receipt you can print.')}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div></section>" + _back()
    )


def receipt(invoice: PortalInvoice, seller: Seller, customer_name: str | None) -> str:
    address = "".join(f"<br>{esc(line)}" for line in seller.address)
    what = gettext(LINES[invoice.context]) if invoice.context in LINES else None
    lines = "".join(
        f'<tr><td>{esc(what or line.description)}<br><span class="muted">'
        f"{t('%(start)s to %(end)s', start=short_day(line.period_start), end=short_day(line.period_end))}"
        f'</span></td><td class="num">{money(line.amount)}</td></tr>'
        for line in invoice.lines
    )
    if invoice.paid_at:
        paid = t("Paid on %(day)s", day=short_day(invoice.paid_at))
        if invoice.card:
            paid += " · " + t("with %(card)s", card=esc(invoice.card))
    else:
        paid = t("Not paid yet")
    billed_to = f"<dt>{t('Billed to')}</dt><dd>{esc(customer_name)}</dd>" if customer_name else ""
    return (
        '<article class="card receipt">'
        f"<p><strong>{esc(seller.name)}</strong>{address}</p>"
        f"<dl><dt>{t('Invoice')}</dt><dd>{esc(invoice.number)}</dd>"
        f"<dt>{t('Date')}</dt><dd>{short_day(invoice.created_at)}</dd>"
        f"<dt>{t('Period')}</dt><dd>{_period(invoice)}</dd>{billed_to}"
        f"<dt>{t('Status')}</dt><dd>{_status(invoice)}</dd></dl>"
        f'<table style="margin-top:1rem"><thead><tr><th scope="col">{t("Description")}</th>'
        f'<th scope="col" class="num">{t("Amount")}</th></tr></thead><tbody>{lines}</tbody>'
        f'<tfoot><tr><th scope="row">{t("Total")}</th><td class="num"><strong>{money(invoice.total)}'
        "</strong></td></tr></tfoot></table>"
        f"<p>{paid}</p></article>"
        '<div class="actions no-print">'
        f'<a class="button secondary" href="/portal/invoices">{t("All invoices")}</a>'
        f'<a href="/portal">{t("Back to your subscription")}</a></div>'
    )


def _back() -> str:
    link = f'<a class="button secondary" href="/portal">{t("Back to your subscription")}</a>'
    return f'<p class="actions">{link}</p>'
