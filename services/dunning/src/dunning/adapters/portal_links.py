"""Card-update links in reminders: portal sessions asked of billing (`shared.portal_links`)."""

from __future__ import annotations

from shared.portal_links import BillingPortalLinks, CardUpdateLinks

__all__ = ["BillingPortalLinks", "CardUpdateLinks"]
