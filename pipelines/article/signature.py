"""Text normalization, shingles and MinHash signatures, the same in every script.

Copies of one dispatch differ in quotes (« » vs " "), number grouping (2.000 / 2 000),
case and spacing; normalization removes exactly those differences and keeps letters,
accents and Arabic as they are. Scripts written without spaces between words (Chinese,
Japanese, Thai...) are cut into single characters, so a shingle of five tokens is five
characters there and five words elsewhere.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import regex
import xxhash

from storage.dedup_index import HASH_DTYPE

_UNSPACED = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"
# One unspaced character, or a run of word characters (regex's \w includes combining marks,
# so Arabic with vowel marks and decomposed accents stay one word).
_TOKEN = regex.compile(rf"[{_UNSPACED}]|[^\W{_UNSPACED}]+")
_TATWEEL = "\u0640"  # Arabic letter stretching, typographic only


def tokens(text: str) -> list[str]:
    """Normalized word tokens of ``text``.

    >>> tokens("« Retour de 2.000 militaires » — l'Irak")
    ['retour', 'de', '2', '000', 'militaires', 'l', 'irak']
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace(_TATWEEL, "")
    found = _TOKEN.findall(text)
    # Arabic-Indic and other decimal digits become ASCII, so ٢٠٠٠ and 2000 are one token.
    return [_ascii_digits(token) if not token.isascii() else token for token in found]


def _ascii_digits(token: str) -> str:
    return "".join(str(unicodedata.digit(ch)) if ch.isdecimal() else ch for ch in token)


def text_hash(text: str) -> str:
    """Hash of the normalized text: two articles with equal hashes are exact copies."""
    return hashlib.sha1(" ".join(tokens(text)).encode("utf-8")).hexdigest()


def line_key(line: str) -> int | None:
    """A key for one line (paragraph) of text, equal for lines equal after normalization."""
    return _key_of(tokens(line))


def _key_of(words: list[str]) -> int | None:
    if not words:
        return None
    value = xxhash.xxh64_intdigest(" ".join(words).encode("utf-8"))
    return value - (1 << 64) if value >= (1 << 63) else value  # SQLite integers are signed


def line_keys(text: str) -> list[int]:
    """The keys of a text's non-empty lines, in order."""
    return without_known_lines(text, frozenset())[1]


def remove_lines(text: str, keys: frozenset[int] | set[int]) -> str:
    """``text`` without the lines whose key is in ``keys`` (a site's known boilerplate)."""
    return without_known_lines(text, keys)[0]


def without_known_lines(text: str, known: frozenset[int] | set[int]) -> tuple[str, list[int]]:
    """``text`` without its known boilerplate lines, and the keys of all its lines (for the site
    model to learn from), each line normalized once."""
    kept, keys, _words = split_known_lines(text, known)
    return kept, keys


def split_known_lines(text: str, known: frozenset[int] | set[int]) -> tuple[str, list[int], list[str]]:
    """``without_known_lines``, plus the tokens of the kept text, ready for ``sign_words``.

    Each line is normalized once: tokens never span a line break, so the kept lines' tokens
    are the kept text's tokens.
    """
    lines = text.split("\n")
    line_words = [tokens(line) for line in lines]
    keys = [_key_of(words) for words in line_words]
    if known:
        kept_lines = [index for index, key in enumerate(keys) if key not in known]
        kept = "\n".join(lines[index] for index in kept_lines)
        words = [word for index in kept_lines for word in line_words[index]]
    else:
        kept = text
        words = [word for found in line_words for word in found]
    return kept, [key for key in keys if key is not None], words


def shingles(words: list[str], size: int) -> set[bytes]:
    """Overlapping runs of ``size`` tokens (the whole text when it is shorter)."""
    if not words:
        return set()
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def _xxh32(data: bytes) -> int:
    # datasketch wants a 32-bit hash; xxh32 is about four times faster than its sha1 default.
    return xxhash.xxh32_intdigest(data)


# datasketch's default scheme since 2.0: a bijective 32-bit permutation, uint32 hash values.
SCHEME = "affine32"


@lru_cache(maxsize=1)
def _minhash_class() -> type:
    # Imported on first use: datasketch's package brings scipy, a second of start-up that the
    # crawl's main process (which never signs) and a cron run should not pay.
    from datasketch import MinHash

    return MinHash


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> np.ndarray:
    return _minhash_class()(num_perm=num_perm, seed=1, scheme=SCHEME).permutations


@dataclass(frozen=True)
class Signature:
    hashvalues: np.ndarray
    shingles: int
    text_hash: str

    def to_bytes(self) -> bytes:
        return np.ascontiguousarray(self.hashvalues, dtype=HASH_DTYPE).tobytes()

    @staticmethod
    def hashvalues_from_bytes(data: bytes) -> np.ndarray:
        return np.frombuffer(data, dtype=HASH_DTYPE)


def sign(text: str, num_perm: int = 128, shingle_words: int = 3) -> Signature:
    """The MinHash signature of an article's text.

    >>> sign("Les autorités irakiennes ont annoncé le retour").shingles
    5
    """
    return sign_words(tokens(text), num_perm, shingle_words)


def sign_words(words: list[str], num_perm: int = 128, shingle_words: int = 3) -> Signature:
    """The MinHash signature of a text from its ``tokens``."""
    minhash = _minhash_class()(num_perm=num_perm, seed=1, hashfunc=_xxh32, permutations=_permutations(num_perm), scheme=SCHEME)
    parts = shingles(words, shingle_words)
    if parts:
        minhash.update_batch(list(parts))
    digest = hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()
    return Signature(hashvalues=minhash.hashvalues, shingles=len(parts), text_hash=digest)
