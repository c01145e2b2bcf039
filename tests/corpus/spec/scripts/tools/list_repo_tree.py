"""Print the tree of a folder (used for module inventories)."""

import sys

if __name__ == "__main__":
    print(sys.argv[1:])
