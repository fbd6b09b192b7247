"""The customer's language: locales, gettext catalogues and Babel formatting."""
