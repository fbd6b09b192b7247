"""Pause's tables."""

from __future__ import annotations

from shared.customer_directory import customer_profiles_table
from shared.db import new_metadata
from shared.db.tables import messaging_tables

metadata = new_metadata()
messaging = messaging_tables(metadata)
customer_profiles = customer_profiles_table(metadata)
