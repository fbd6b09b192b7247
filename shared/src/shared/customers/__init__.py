"""Dunning's and pause's own copy of the customers billing registered.

No service reads another's tables, yet dunning needs a customer's timezone (no reminder
at night) and email, and pause needs them for its reminders. Each keeps this replica,
fed by `customer.created` from `billing.events` through its inbox: the model and its
port (`profiles`), the table (`tables`), the SQL directory (`directory`), an in-memory
one for use-case tests (`memory`) and the admin route that shows a profile (`routes`).
"""
