"""The report folder: CSVs, an HTML page with inline SVG charts, and the terminal summary."""
