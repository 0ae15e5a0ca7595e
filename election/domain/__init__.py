"""The rules of the law, in pure Python (standard library only)."""
