"""The election's setup and voter rolls: import, export, structure, the demo city."""
