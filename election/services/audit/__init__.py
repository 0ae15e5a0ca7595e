"""The audit log: the hash chain every change is written into, its checks, backups."""
