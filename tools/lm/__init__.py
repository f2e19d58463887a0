"""Plain-torch language-model tooling for tools/make_models.py (no transformers package)."""
