"""Every storage key Roughy writes, in one place. Every byte of a project lives under
`projects/{project_id}/`, so a project delete is one prefix sweep; every byte of an asset under
its asset prefix, so an asset delete is one too. Unfinished tus uploads on S3 keep their tail
objects (and finished concatenation parts their bytes) under `uploads/{upload_id}/` until they
complete or are swept."""

from __future__ import annotations


def project_prefix(project_id: str) -> str:
    return f"projects/{project_id}/"


def asset_prefix(project_id: str, asset_id: str) -> str:
    """Everything stored for one asset (source, analysis audio, derived files)."""
    return f"{project_prefix(project_id)}assets/{asset_id}/"


def source(project_id: str, asset_id: str, extension: str | None) -> str:
    return f"{asset_prefix(project_id, asset_id)}source.{extension or 'bin'}"


def presigned_upload(project_id: str, asset_id: str) -> str:
    """Where a presigned PUT lands (the format is only known once the bytes are in)."""
    return f"{asset_prefix(project_id, asset_id)}upload"


def analysis_audio(project_id: str, asset_id: str) -> str:
    return f"{asset_prefix(project_id, asset_id)}analysis.wav"


def render_output(project_id: str, asset_id: str, render_id: str, extension: str) -> str:
    return f"{asset_prefix(project_id, asset_id)}renders/{render_id}.{extension}"


def pipeline_output(project_id: str, asset_id: str, filename: str) -> str:
    return f"{asset_prefix(project_id, asset_id)}{filename}"


def upload_prefix(upload_id: str) -> str:
    """Staged bytes of an unfinished tus upload (S3: the unfinished tail objects)."""
    return f"uploads/{upload_id}/"


def upload_tails(upload_id: str) -> str:
    return f"{upload_prefix(upload_id)}tail/"


def upload_tail(upload_id: str, part_number: int) -> str:
    """The bytes after the last full part; named by the part they will start, so a tail written
    for a later part can never be mistaken for the prefix of an earlier one."""
    return f"{upload_tails(upload_id)}{part_number:05d}"


def upload_data(upload_id: str) -> str:
    """A finished concatenation part, waiting for its final upload."""
    return f"{upload_prefix(upload_id)}data"
