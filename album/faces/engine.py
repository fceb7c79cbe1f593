"""`FaceEngine`: faces in an image → boxes, a quality score, a 128-d descriptor and an aligned chip.

Detection runs dlib's HOG detector on a copy whose long side is at most `detect_long_side`; a
small photo is upsampled once so faces down to ~40 px are still found. Each face's 5 landmarks
align a 150 px chip, which is both what the ResNet describes and the face's thumbnail.
Descriptors are compared by Euclidean distance: dlib's own threshold for "same person" is 0.6.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image

from album.faces.models import CNN_DETECTOR_FILE, DESCRIPTOR_FILE, LANDMARKS_FILE, FacesUnavailable, model_file

CHIP_SIZE = 150  # the size the ResNet was trained on
CHIP_PADDING = 0.25


@dataclass(frozen=True)
class FaceSettings:
    detect_long_side: int = 1024  # detection image size: faces smaller than ~1/25 of it are missed
    upsample_below: int = 500  # smaller images are upsampled once (slower, finds faces down to ~40 px)
    min_face_px: int = 36  # smaller faces (in the original image) are too blurry to recognise
    min_score: float = 0.0  # HOG's own threshold; above 0 trades recall for fewer false faces
    use_cnn: bool = False  # dlib's MMOD CNN detector: finds turned faces, ~1.7 s a photo on a CPU


@dataclass(frozen=True)
class DetectedFace:
    box: tuple[float, float, float, float]  # left, top, right, bottom as fractions of the upright image
    score: float  # the detector's confidence
    quality: float  # 0-1: size and landmark sanity; low-quality faces are not used to form persons
    descriptor: np.ndarray  # float32 [128]
    chip: np.ndarray  # uint8 [150, 150, 3], aligned: the face's thumbnail


class FaceEngine:
    """dlib's face models, loaded once; `find` is safe to call from one thread at a time."""

    def __init__(self, settings: FaceSettings = FaceSettings()):
        self.settings = settings
        try:
            import dlib
        except ImportError as exc:
            raise FacesUnavailable(f"dlib is not installed ({exc}); people are off") from exc
        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._cnn = dlib.cnn_face_detection_model_v1(str(model_file(CNN_DETECTOR_FILE))) if settings.use_cnn else None
        model_file(LANDMARKS_FILE), model_file(DESCRIPTOR_FILE)  # missing files fail now, not mid-pass
        self._landmarks = None  # loaded at the first face: most photos of a pass may have none
        self._describer = None
        self._lock = threading.Lock()  # dlib's models are not documented as thread-safe

    @classmethod
    def load(cls, settings: FaceSettings = FaceSettings()) -> "FaceEngine":
        return cls(settings)

    def close(self) -> None:
        """Nothing to end: the models stay loaded (FaceEngineProcess's close ends its process)."""

    def find(self, image: Image.Image) -> list[DetectedFace]:
        """The faces in an upright RGB image, largest first."""
        s = self.settings
        width, height = image.size
        scale = min(1.0, s.detect_long_side / max(width, height))
        if scale < 1.0:
            image = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BILINEAR)
        pixels = np.asarray(image.convert("RGB"))
        upsample = 1 if max(pixels.shape[:2]) < s.upsample_below else 0
        with self._lock:
            rects, scores = self._detect(pixels, upsample)
            found = []
            if len(rects) and self._describer is None:
                self._landmarks = self._dlib.shape_predictor(str(model_file(LANDMARKS_FILE)))
                self._describer = self._dlib.face_recognition_model_v1(str(model_file(DESCRIPTOR_FILE)))
            for rect, score in zip(rects, scores):
                size = min(rect.width(), rect.height()) / scale
                if size < s.min_face_px or score < s.min_score:
                    continue
                shape = self._landmarks(pixels, rect)
                chip = np.asarray(self._dlib.get_face_chip(pixels, shape, size=CHIP_SIZE, padding=CHIP_PADDING))
                found.append((rect, float(score), _landmark_quality(shape, rect, size), chip))
            descriptors = self._describer.compute_face_descriptor([f[3] for f in found]) if found else []
        h, w = pixels.shape[:2]
        faces = [
            DetectedFace(
                (max(0.0, r.left() / w), max(0.0, r.top() / h), min(1.0, r.right() / w), min(1.0, r.bottom() / h)),
                score, quality, np.asarray(d, dtype=np.float32), chip,
            )
            for (r, score, quality, chip), d in zip(found, descriptors)
        ]
        return sorted(faces, key=lambda f: -(f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))

    def _detect(self, pixels: np.ndarray, upsample: int):
        if self._cnn is not None:
            detections = self._cnn(pixels, upsample)
            return [d.rect for d in detections], [d.confidence for d in detections]
        rects, scores, _ = self._detector.run(pixels, upsample, 0.0)
        return list(rects), list(scores)


def _landmark_quality(shape, rect, size_px: float) -> float:
    """0-1: how much to trust this face's descriptor. Small faces and landmarks that sit
    oddly in the box (a profile, a false detection) score low."""
    points = np.array([(shape.part(i).x, shape.part(i).y) for i in range(shape.num_parts)], dtype=np.float32)
    # The 5-point model: 0-1 one eye's corners, 2-3 the other's, 4 under the nose.
    eye_a, eye_b, nose = points[0:2].mean(axis=0), points[2:4].mean(axis=0), points[4]
    box_w = max(rect.width(), 1)
    eye_span = float(np.linalg.norm(eye_a - eye_b)) / box_w  # ~0.35-0.5 for a frontal face
    centre = (eye_a + eye_b) / 2
    # The nose under the eyes' midpoint (frontal) rather than off to one side (profile).
    offset = abs(float(nose[0] - centre[0])) / box_w
    frontal = max(0.0, min(1.0, eye_span / 0.35)) * max(0.0, 1.0 - offset * 3)
    sharp = max(0.0, min(1.0, (size_px - 36) / 64))
    return round(0.5 * frontal + 0.5 * sharp, 3)
