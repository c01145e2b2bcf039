"""The corpus is a code tree that tests read as data: never collect or import it."""

collect_ignore_glob = ["*"]
