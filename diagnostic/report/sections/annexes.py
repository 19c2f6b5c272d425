"""Last cell of the report: its side files (indicateurs.xlsx, indicateurs.csv, enjeux.csv).

Nothing is displayed: the files are written into ``sortie`` (the report's folder), where
the batch and the reader find them.
"""
from . import Section, register


def render(dg, section, sortie=None):
    dg.write_files(sortie)


SECTION = register(Section("annexes", "", "Fichiers annexes", render))
