"""Projects: named folders that own assets and everything derived from them."""
