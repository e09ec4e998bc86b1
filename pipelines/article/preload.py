"""What every extraction worker needs, loaded once in the pool's fork server before it forks.

``pipelines/extract.py`` names this module in ``set_forkserver_preload``: importing it loads
py3langid's model (68 MB, 0.3 s or more of LZMA decompression) and numpy's MinHash
permutations, so each worker starts with them already in memory, shared with its siblings
(copy-on-write: the model's arrays are only read), instead of loading its own copy. Nothing
else imports it: the crawl's main process never detects languages.
"""

from __future__ import annotations

from .extraction import _language_identifier
from .signature import _permutations

DEFAULT_NUM_PERM = 128  # NEWS_DEDUP_NUM_PERM's default; another value is computed per worker

_language_identifier()
_permutations(DEFAULT_NUM_PERM)
