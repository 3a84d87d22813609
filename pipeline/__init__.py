"""The road from report files to the Parquet dataset (see run.py for the order of stages)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cchc")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0+unknown"
