"""What the JSON API and the web pages share: the request's session, access rules, downloads."""
