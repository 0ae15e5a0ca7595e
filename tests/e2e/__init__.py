"""Browser tests: the pages driven in Debian's Chromium against a running gunicorn."""
