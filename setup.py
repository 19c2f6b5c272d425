"""Build step that ships the checkout's notebook and example territories inside the package.

``notebooks/diagnostic.ipynb`` and ``territories/*.yaml`` stay at the top of the project,
where JupyterLab users open them (single source of truth); building the wheel copies them
to ``diagnostic/shipped/``, where an installed kit finds them (diagnostic.resources).
Everything else is declared in pyproject.toml.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: (source in the checkout, destination under the package, file pattern).
SHIPPED = [("notebooks", "shipped/notebooks", "diagnostic.ipynb"),
           ("territories", "shipped/territories", "*.yaml")]


class BuildWithShippedFiles(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's files directly
            return
        package = Path(self.build_lib) / "diagnostic"
        for source, dest, pattern in SHIPPED:
            files = sorted((ROOT / source).glob(pattern))
            if not files:
                raise SystemExit(f"Fichiers à embarquer introuvables : {ROOT / source / pattern}")
            (package / dest).mkdir(parents=True, exist_ok=True)
            for path in files:
                shutil.copyfile(path, package / dest / path.name)


setup(cmdclass={"build_py": BuildWithShippedFiles})
