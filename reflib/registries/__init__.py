"""One gateway per outside service, the only code that does HTTP, sharing one throttle."""
