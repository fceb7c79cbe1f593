"""Thumbnails: downscaling and the content-addressed on-disk cache."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.media import ThumbnailCache, content_hash, decode_photo, make_thumbnail
from album.media.thumbnails import NotAContentHash


def picture(size: tuple[int, int], seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))


@pytest.mark.parametrize(("size", "expected"), [((4000, 3000), (320, 240)), ((1000, 3000), (107, 320))])
def test_thumbnail_long_side_and_aspect(size, expected):
    assert make_thumbnail(picture(size)).size == expected


def test_thumbnail_never_upscales_and_returns_a_copy():
    small = picture((200, 100))
    thumb = make_thumbnail(small, long_side=320)
    assert thumb.size == (200, 100) and thumb is not small


def test_thumbnail_of_a_decoded_photo(shared_data: Path):
    path = shared_data / "formats" / "Landscape_6.jpg"
    photo = decode_photo(path.read_bytes(), path.name)
    thumb = make_thumbnail(photo.image)
    assert thumb.size == (320, 213) and thumb.mode == "RGB"


def test_cache_paths_are_sharded_and_validated(tmp_path: Path):
    cache = ThumbnailCache(tmp_path)
    digest = content_hash(b"a photo")
    assert cache.path_for(digest) == tmp_path / digest[:2] / f"{digest}.jpg"
    for bad in ("../../etc/passwd", "ABCDEF0123", "", "abc"):
        with pytest.raises(NotAContentHash):
            cache.path_for(bad)


def test_cache_save_and_has(tmp_path: Path):
    cache = ThumbnailCache(tmp_path / "thumbs")
    digest = content_hash(b"photo 1")
    assert not cache.has(digest)
    path = cache.save(digest, make_thumbnail(picture((800, 600))))
    assert cache.has(digest) and path == cache.path_for(digest)
    with Image.open(path) as saved:
        assert (saved.format, saved.size, saved.mode) == ("JPEG", (320, 240), "RGB")
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


def test_cache_converts_images_jpeg_cannot_hold(tmp_path: Path):
    cache = ThumbnailCache(tmp_path)
    digest = content_hash(b"rgba")
    cache.save(digest, Image.new("RGBA", (10, 10), (1, 2, 3, 128)))
    with Image.open(cache.path_for(digest)) as saved:
        assert saved.mode == "RGB"


def test_cache_is_safe_from_many_threads(tmp_path: Path):
    cache = ThumbnailCache(tmp_path)
    digests = [content_hash(f"photo {i % 5}".encode()) for i in range(40)]  # each hash 8 times
    images = {d: make_thumbnail(picture((640, 480), seed=i)) for i, d in enumerate(dict.fromkeys(digests))}
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker(chunk: list[str]) -> None:
        start.wait()
        try:
            for digest in chunk:
                cache.save(digest, images[digest])
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(digests[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert [p.stem for p in files] == sorted(images)
    for path in files:
        with Image.open(path) as saved:
            saved.load()
            assert saved.size == (320, 240)
