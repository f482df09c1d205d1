from roughy.errors import InsufficientCredits

__all__ = ["InsufficientCredits"]
