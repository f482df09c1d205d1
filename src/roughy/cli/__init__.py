"""The `roughy` command line."""
