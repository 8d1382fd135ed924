"""Keyword-only functions over a session: what the routes and record activities call."""
