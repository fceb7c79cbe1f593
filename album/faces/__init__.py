"""Finding faces in photos and describing them: dlib's HOG detector, its 5-point landmarks and
its ResNet face descriptor (all public-domain models). No Qt, no database.

dlib is optional: `FaceEngine.load()` raises `FacesUnavailable` with the reason when it or the
model files are missing, and the library then works without people.
"""

from album.faces.engine import DetectedFace, FaceEngine, FaceSettings
from album.faces.models import ALLOWED_MODEL_FILES, FacesUnavailable, face_models_dir
from album.faces.process import FaceEngineProcess

__all__ = [
    "ALLOWED_MODEL_FILES", "DetectedFace", "FaceEngine", "FaceEngineProcess", "FaceSettings", "FacesUnavailable",
    "face_models_dir",
]
