"""Use-cases. Each takes a Session, owns its transaction and commits once."""
