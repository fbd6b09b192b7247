"""Billing: the system of record for customers, subscriptions, invoices and payments."""
