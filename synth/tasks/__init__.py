"""Teacher task definitions as data: one TOML file per task, JSON schemas beside them.

Kept as files (not code) so prompts can be reviewed and edited without touching the pipeline;
the prompt hash in every generated record changes when they do.
"""
