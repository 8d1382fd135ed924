"""The `analyze` step: an excerpt extracted on the host, analysed centrally by an LLM or
by the built-in analyzer when the LLM is not configured, slow, limited or talks nonsense."""
