"""`refs check`: one module per check, the runner, and the findings' output formats."""
