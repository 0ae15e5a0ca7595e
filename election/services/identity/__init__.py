"""Who is acting: users, passwords, API tokens, one-time codes, throttling and rates."""
