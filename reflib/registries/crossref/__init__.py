"""Crossref's REST API: the gateway (the only user of habanero), its answers, one work."""
