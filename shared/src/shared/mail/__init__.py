"""Messages to customers: Jinja2 templates in one shared layout, HTML and plain text."""
