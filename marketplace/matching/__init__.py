"""Search and matching behind a small interface (services.py); Whoosh is used only inside this package."""
