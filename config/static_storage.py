"""WhiteNoise's compressed manifest storage, with each static URL worked out once per process.

`{% static %}` asks the storage for a URL on every use: the manifest lookup (the name cleaned,
split, looked up, joined) and `FileSystemStorage.url` (quoting, `urljoin`) ran four times for
every page's head, ~5% of a module page's CPU (bench/launch.py, py-spy). The manifest is read
once when the storage is made and only `collectstatic` writes it, which is followed by a
restart, so a URL worked out once stays right for the life of the process. A name the manifest
lacks still raises (nothing is kept for it), and `force=True` always asks the manifest.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage

# At most this many names are kept: the templates name a few dozen files.
KEPT_URLS = 1024


class KeptUrlStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept_urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        url = self._kept_urls.get(name)
        if url is None:
            url = super().url(name)
            if len(self._kept_urls) < KEPT_URLS:
                self._kept_urls[name] = url
        return url
