"""Pause's HTTP API: called by the portal with a session token, or with the admin key."""
