"""The Sluice control plane: FastAPI app, metadata DB models, services and migrations."""
