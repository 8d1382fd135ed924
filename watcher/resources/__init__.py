"""The agent's view of its host: samples, history, metrics and threshold alerts."""
