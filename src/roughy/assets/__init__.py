"""Assets: source media (uploaded audio/video) and, for the pipeline API, produced outputs."""
