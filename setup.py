"""The one thing pyproject.toml cannot say: the top-level `panels/` folder installs as the
package `cockpit.panels` (PyPI's unrelated `panels` owns the top-level name). Everything
else about the build is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["cockpit", "cockpit.*"])
    + ["cockpit.panels"]
    + [f"cockpit.panels.{name}" for name in find_packages("panels")],
    package_dir={"cockpit.panels": "panels"},
)
