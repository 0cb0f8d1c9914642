"""govnet's NAPALM drivers: the community and stock drivers, completed where a push needs more
than they offer (commit-confirmed, replace, CLI on every platform)."""
