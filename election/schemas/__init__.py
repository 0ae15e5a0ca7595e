"""Marshmallow schemas at the HTTP edge."""
