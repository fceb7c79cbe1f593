"""Whether two pictures are one capture: one lined up on the other, then their detail compared.

Why: the perceptual hash compares the coarse layout of light and dark, and different shots can
share it: two studio portraits in a dark suit before a dark background (LFW's Lula da Silva and
Gerhard Schröder: 6 bits apart, cosine 0.93 with album-mini), passport photos, products on
white, two frames of one burst. What two captures cannot share is their detail in place (hair,
fabric, leaves, the background's clutter), while an edited copy (resized, recompressed, cropped,
brightened, greyscale, straightened) keeps it once the two are lined up.

How:
1. Lining up: the similarity transform (zoom, rotation, shift) that maps picture a onto b,
   found by Lucas-Kanade (Gauss-Newton on the squared difference, a gain and bias fitted at each
   step so brightness edits do not matter) on 32, 64 and 96-px grey versions, started from
   whichever of a few zooms fits best (crops of up to ~10% a side, either picture the cropped one).
   A transform that zooms or turns more than an edit would, or leaves little overlap, means
   the pictures could not be lined up: not one capture.
2. Comparing: both at 96 px, b resampled onto a's grid; detail is the difference of Gaussians
   (sigma 1 and 3 px: features of 1-5% of the frame, which survive halving and JPEG q40).
   Left out: pixels outside b, pixels clipped white in either picture (a brightened copy loses
   its detail there) and a 6% border (rotation corners). The overlap is cut into 4x4 patches;
   each patch with detail in either picture gives the correlation of the two pictures' detail
   there, and `agreement` is the lowest of them: an edit agrees everywhere, two captures differ
   somewhere (a face, the background). Measured on thumbnails: edited copies 0.58-1.0 (2,000
   copies of flickr8k photos, bench/duplicate_edits.py), different photos of one face or of one
   scene -0.7-0.05 (LFW portraits, flickr8k pairs with near hashes); the finder's bar is
   duplicates.rules.DuplicateThresholds.same_capture_agreement.
A picture with no detail at all (a blank sky) cannot be told from another this way:
`patches` is then 0 and the caller decides on the rest of its evidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

# Stored results carry the method that measured them: bump it when the measurement changes.
METHOD = 1
_LEVELS = (32, 64, 96)  # long sides of the grey versions the alignment runs on, coarse to fine
_COMPARE_SIDE = 96  # long side at which the detail is compared
_ZOOM_STARTS = (1 / 1.12, 1.0, 1.12)  # first guesses at the coarsest level: b zoomed in, as is, out
_ITERATIONS = 8
_SMOOTHING = 1.0  # px of blur before aligning: a smoother cost, the same optimum
_DETAIL_SIGMAS = (1.0, 3.0)  # the band of detail compared, in px at _COMPARE_SIDE
_GRID = 4
_BORDER = 0.06
_MIN_DETAIL = 3.0  # grey levels (std of the band) below which a patch has no detail to compare
_CLIPPED = 247  # grey level from which a pixel counts as blown out
_MAX_ZOOM = 1.6  # edits crop or pad less than this; more is no alignment
_MAX_DEGREES = 20.0
_MIN_OVERLAP = 0.4  # of each picture's frame


@dataclass(frozen=True)
class CaptureMatch:
    """How picture b lines up on picture a, and how well their detail agrees there."""

    aligned: bool  # a plausible transform was found; False: not one capture
    agreement: float  # lowest correlation of detail over the compared patches (1.0 when none)
    patches: int  # patches with detail that were compared
    zoom: float  # b's content is this much larger than a's, relative to their frames (nan when stored)
    degrees: float  # b is turned this much against a (counter-clockwise)


_NOT_ALIGNED = CaptureMatch(False, -1.0, 0, float("nan"), float("nan"))


def match_captures(a: Image.Image, b: Image.Image) -> CaptureMatch:
    """Line up picture b on picture a and compare their detail (any size; thumbnails suffice)."""
    grey_a, grey_b = _grey(a), _grey(b)
    frame_a, frame_b = _Frame(grey_a), _Frame(grey_b)
    levels = [(frame_a.level(side), frame_b.level(side)) for side in _LEVELS]
    start = math.sqrt(frame_b.area / frame_a.area)
    coarse_a, coarse_b = levels[0]
    guesses = [np.array([start * zoom, 0.0, 0.0, 0.0]) for zoom in _ZOOM_STARTS]
    params = max(guesses, key=lambda guess: _fit(coarse_a, coarse_b, guess))
    for level_a, level_b in levels:
        params = _align(level_a, level_b, params)
    zoom = math.hypot(params[0], params[1]) / start
    degrees = math.degrees(math.atan2(params[1], params[0]))
    if not (1 / _MAX_ZOOM <= zoom <= _MAX_ZOOM and abs(degrees) <= _MAX_DEGREES):
        return _NOT_ALIGNED
    return _compare(frame_a, grey_b, frame_b, params, zoom, degrees)


# --- pictures and their levels -------------------------------------------------------------------


def _grey(image: Image.Image) -> Image.Image:
    return image.convert("L") if image.mode != "L" else image


class _Frame:
    """A picture's frame: centred continuous coordinates in its own pixels (x right, y down)."""

    def __init__(self, grey: Image.Image):
        self.grey = grey
        self.width, self.height = grey.size
        self.area = self.width * self.height

    def level(self, side: int, smoothing: float = _SMOOTHING) -> "_Level":
        scale = side / max(self.width, self.height)
        return _Level(self, _resized(self.grey, scale), smoothing)


def _resized(grey: Image.Image, scale: float) -> Image.Image:
    size = (max(8, round(grey.width * scale)), max(8, round(grey.height * scale)))
    if size == grey.size:
        return grey
    # BOX averages every source pixel when shrinking (no aliasing); bilinear when enlarging.
    return grey.resize(size, Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR)


class _Level:
    """A picture resampled for one step: its pixels, their gradients, and where they sit in its frame."""

    def __init__(self, frame: _Frame, image: Image.Image, smoothing: float):
        self.frame = frame
        self.raw = np.asarray(image, dtype=np.float32)
        self.pixels = _blur(self.raw, smoothing) if smoothing else self.raw
        self.h, self.w = self.pixels.shape
        self.fx, self.fy = self.w / frame.width, self.h / frame.height  # level px per frame px
        # Frame coordinates of the pixel centres, per column and per row.
        self.cols = (np.arange(self.w, dtype=np.float32) + 0.5) / self.fx - frame.width / 2
        self.rows = (np.arange(self.h, dtype=np.float32) + 0.5) / self.fy - frame.height / 2
        self._descent = None

    def descent(self) -> np.ndarray:
        """d(pixel)/d(transform parameters) at the identity, one row per pixel."""
        if self._descent is None:
            gy, gx = np.gradient(self.pixels)
            gu, gv = (gx * self.fx).ravel(), (gy * self.fy).ravel()  # per frame px
            x, y = (grid.ravel() for grid in np.meshgrid(self.cols, self.rows))
            self._descent = np.stack([gu * x + gv * y, gv * x - gu * y, gu, gv], axis=1)
        return self._descent


def _warp(level_a: _Level, level_b: _Level, params: np.ndarray, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`pixels` (of level_b's size) sampled bilinearly where level_a's pixels fall in b's frame,
    and which of them fall inside b."""
    a, b, tx, ty = params
    # The transform is affine in a's pixel grid: per column plus per row, in b's level pixels.
    col = ((a * level_a.cols + tx + level_b.frame.width / 2) * level_b.fx - 0.5)[None, :] \
        - (b * level_b.fx * level_a.rows)[:, None]
    row = ((b * level_a.cols + ty + level_b.frame.height / 2) * level_b.fy - 0.5)[None, :] \
        + (a * level_b.fy * level_a.rows)[:, None]
    inside = (col >= 0) & (row >= 0) & (col <= level_b.w - 1) & (row <= level_b.h - 1)
    c0 = np.clip(col.astype(np.int32), 0, level_b.w - 2)  # truncation is floor where inside
    r0 = np.clip(row.astype(np.int32), 0, level_b.h - 2)
    fc, fr = col - c0, row - r0
    flat = pixels.ravel()
    index = r0 * level_b.w + c0
    top_left, top_right = flat.take(index), flat.take(index + 1)
    bottom_left, bottom_right = flat.take(index + level_b.w), flat.take(index + level_b.w + 1)
    top = top_left + fc * (top_right - top_left)
    bottom = bottom_left + fc * (bottom_right - bottom_left)
    return top + fr * (bottom - top), inside


# --- lining up ------------------------------------------------------------------------------------


def _align(level_a: _Level, level_b: _Level, params: np.ndarray) -> np.ndarray:
    """Inverse-compositional Gauss-Newton steps (Baker & Matthews) on the transform a -> b,
    (zoom*cos, zoom*sin, shift x, shift y), with a gain and bias refitted at each step."""
    transform = _matrix(params)
    descent = level_a.descent()  # how a's pixels change as a is nudged: fixed, so computed once
    for _ in range(_ITERATIONS):
        warped, inside = _warp(level_a, level_b, _params(transform), level_b.pixels)
        if inside.mean() < 0.25:
            break
        target, warped, slopes = level_a.pixels.ravel()[inside.ravel()], warped[inside], descent[inside.ravel()]
        centred = warped - warped.mean()
        variance = float(centred @ centred)
        if variance <= 1e-6:
            break
        gain = float(centred @ (target - target.mean())) / variance
        error = gain * centred - (target - target.mean())  # b, brought to a's levels, minus a
        slopes = slopes - slopes.mean(axis=0)  # the bias takes what is constant
        try:
            # einsum, not a matrix product: BLAS would spread a 4-column product over threads,
            # which costs more than it saves (5x slower on a busy machine).
            hessian = np.einsum("ni,nj->ij", slopes, slopes)
            step = np.linalg.solve(hessian + 1e-9 * np.eye(4), np.einsum("ni,n->i", slopes, error))
        except np.linalg.LinAlgError:
            break
        transform = transform @ np.linalg.inv(_matrix(step, nudge=True))
        if abs(step[0]) + abs(step[1]) < 1e-4 and abs(step[2]) + abs(step[3]) < 1e-2:  # frame px
            break
    return _params(transform)


def _matrix(params: np.ndarray, nudge: bool = False) -> np.ndarray:
    a, b, tx, ty = params
    if nudge:  # a small change around the identity
        a += 1.0
    return np.array([[a, -b, tx], [b, a, ty], [0.0, 0.0, 1.0]])


def _params(matrix: np.ndarray) -> np.ndarray:
    return np.array([matrix[0, 0], matrix[1, 0], matrix[0, 2], matrix[1, 2]])


def _fit(level_a: _Level, level_b: _Level, params: np.ndarray) -> float:
    """Correlation of a with b lined up (over the overlap): how well a starting guess converged."""
    warped, inside = _warp(level_a, level_b, params, level_b.pixels)
    if inside.mean() < _MIN_OVERLAP:
        return -1.0
    return _correlation(level_a.pixels[inside], warped[inside])


# --- comparing ------------------------------------------------------------------------------------


def _compare(frame_a: _Frame, grey_b: Image.Image, frame_b: _Frame, params: np.ndarray, zoom: float,
             degrees: float) -> CaptureMatch:
    level_a = frame_a.level(_COMPARE_SIDE, smoothing=0)
    # b resampled so that one of its pixels is about one of a's here: both are then averaged over
    # the same footprint, and neither loses more detail to resampling than the other.
    step = math.hypot(params[0], params[1]) / level_a.fx  # b frame px per a level px
    level_b = _Level(frame_b, _resized(grey_b, 1 / step), 0)
    warped, inside = _warp(level_a, level_b, params, level_b.raw)
    overlap_b = inside.mean() * frame_a.area * (step * level_a.fx) ** 2 / frame_b.area
    if inside.mean() < _MIN_OVERLAP or overlap_b < _MIN_OVERLAP:
        return _NOT_ALIGNED
    a = level_a.raw
    b = np.where(inside, warped, a)  # no edge where b ends: it would spread into the band
    fine_a, fine_b = _blur(a, _DETAIL_SIGMAS[0]), _blur(b, _DETAIL_SIGMAS[0])
    detail_a, detail_b = fine_a - _blur(a, _DETAIL_SIGMAS[1]), fine_b - _blur(b, _DETAIL_SIGMAS[1])
    usable = _eroded(inside) & (fine_a < _CLIPPED) & (fine_b < _CLIPPED)
    rows, cols = np.nonzero(inside)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    dy, dx = round(_BORDER * (bottom - top)), round(_BORDER * (right - left))
    top, bottom, left, right = top + dy, bottom - dy, left + dx, right - dx
    agreement, patches = 1.0, 0
    for i in range(_GRID):
        for j in range(_GRID):
            window = (slice(top + i * (bottom - top) // _GRID, top + (i + 1) * (bottom - top) // _GRID),
                      slice(left + j * (right - left) // _GRID, left + (j + 1) * (right - left) // _GRID))
            mask = usable[window]
            if mask.size == 0 or mask.mean() < 0.5:
                continue
            pa, pb = detail_a[window][mask], detail_b[window][mask]
            if max(pa.std(), pb.std()) < _MIN_DETAIL:
                continue
            agreement = min(agreement, _correlation(pa, pb))
            patches += 1
    return CaptureMatch(True, agreement, patches, zoom, degrees)


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    norm = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y) / norm if norm > 0 else 0.0


def _eroded(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    out[1:] &= mask[:-1]
    out[:-1] &= mask[1:]
    out[:, 1:] &= mask[:, :-1]
    out[:, :-1] &= mask[:, 1:]
    return out


def _blur(pixels: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur, edges mirrored."""
    radius = max(1, int(3 * sigma + 0.5))
    taps = np.exp(-np.arange(-radius, radius + 1, dtype=np.float32) ** 2 / (2 * sigma * sigma))
    taps /= taps.sum()
    height, width = pixels.shape
    rows = np.pad(pixels, ((radius, radius), (0, 0)), mode="reflect")
    out = sum(w * rows[k : k + height] for k, w in enumerate(taps))
    cols = np.pad(out, ((0, 0), (radius, radius)), mode="reflect")
    return sum(w * cols[:, k : k + width] for k, w in enumerate(taps))
