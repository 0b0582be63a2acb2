"""The build steps pyproject.toml cannot express (metadata and dependencies live there):

- the migrations (top-level `migrations/` in the repository) ship inside the package as
  `gridflow._migrations`, so an installed GridFlow migrates without the checkout;
- the translations are compiled (.po -> .mo) at build time, never at run time;
- the front-end assets (`gridflow/static/vendor`, built from npm by ./dev.sh, not in git) must be
  there: a wheel without them would serve pages that cannot load their scripts.
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
VENDOR_MANIFEST = Path("gridflow", "static", "vendor", "MANIFEST.json")


class BuildPy(build_py):
    def run(self) -> None:
        editable = getattr(self, "editable_mode", False)  # the checkout itself: ./dev.sh builds the assets
        if not editable and not (ROOT / VENDOR_MANIFEST).exists():
            raise SystemExit(
                f"{VENDOR_MANIFEST.parent} is missing: build the front-end assets first "
                "(`npm ci && npm run build`; ./dev.sh does it)"
            )
        super().run()
        # In an editable install the package is the source tree: the catalogues go beside the .po files.
        self.compile_catalogs(ROOT if editable else Path(self.build_lib))

    def compile_catalogs(self, target: Path) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted((ROOT / "gridflow" / "translations").glob("*/LC_MESSAGES/*.po")):
            mo = target / po.relative_to(ROOT).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as src:
                catalog = read_po(src)
            with mo.open("wb") as dst:
                write_mo(dst, catalog)


setup(
    packages=[
        *find_packages(include=["gridflow", "gridflow.*", "geo", "geo.*"]),
        "gridflow._migrations",
        "gridflow._migrations.versions",
    ],
    package_dir={"gridflow._migrations": "migrations"},
    # For every package: whatever its templates, static, translations and data folders hold.
    package_data={
        "": ["data/**/*", "templates/**/*", "static/**/*", "translations/**/*"],
        "gridflow._migrations": ["script.py.mako", "README"],
    },
    cmdclass={"build_py": BuildPy},
)
