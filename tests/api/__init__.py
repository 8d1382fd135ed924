"""Tests of the control plane: metadata DB, services and routes."""
