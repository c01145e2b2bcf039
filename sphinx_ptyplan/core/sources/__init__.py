"""Sources: documents and code are read (trees, parse cache, git, document references)."""
