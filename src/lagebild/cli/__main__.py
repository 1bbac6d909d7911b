"""``python -m lagebild.cli``: the command line, as the ``lagebild`` program runs it."""

from lagebild.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
