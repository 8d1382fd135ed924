"""Host views: what the console shows about an agent's host, answered on its host queue."""
