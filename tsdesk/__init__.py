"""tsdesk: forecast time series from a CSV, with a desktop window or headless."""

__version__ = "0.1.0"
