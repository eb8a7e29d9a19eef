"""StrandRisk: stranded-cost risk of acute-only versus integrated NHS providers, offline."""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("strandrisk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.1.0"
