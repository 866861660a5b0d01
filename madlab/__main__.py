"""``python -m madlab``: the command line."""

from madlab.cli import main

if __name__ == "__main__":
    main()
