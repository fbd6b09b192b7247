"""Dunning: gentle recovery of failed payments, reminders, and the finance report."""
