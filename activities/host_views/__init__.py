"""Host views: what the console asks an agent about its host through its host queue."""
