"""Prometheus rule files and Alertmanager configs as Sluice keeps them: parsed with their
lines, checked (in Python, then by promtool and amtool), secrets masked, and imported."""
