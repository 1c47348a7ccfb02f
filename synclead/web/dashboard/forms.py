"""Forms of the dashboard: what an uploaded file must be before the knowledge base is asked to read it.

The checks here are the cheap ones (name, extension, size); whether the content parses is the ingester's call.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

ALLOWED_EXTENSIONS = ("md", "markdown", "txt", "html", "htm", "pdf", "docx", "csv")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 255  # Document.name
MAX_FILES_PER_UPLOAD = 20


def safe_file_name(raw: str) -> str:
    """The name a document is stored under: no folders, no control characters, one Unicode form."""
    # Browsers send a bare name, but older ones and scripted clients send the whole path, either kind of slash.
    name = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    # macOS sends decomposed accents: without NFC, "Modèle.md" uploaded twice would become two documents.
    name = unicodedata.normalize("NFC", name)
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        raise ValidationError("The file name contains control characters; rename the file and try again.")
    if name in ("", ".", ".."):
        raise ValidationError("The file has no name.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(f"The file name is longer than {MAX_NAME_LENGTH} characters.")
    return name


def shown_name(raw: str) -> str:
    """A rejected file's name as it can be quoted back to the user, even when it cannot be stored."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join("?" if unicodedata.category(char) in ("Cc", "Cf") else char for char in name)[:80] or "(no name)"


def check_upload(upload: UploadedFile) -> str:
    """The safe name of an acceptable upload; a `ValidationError` that says what to fix otherwise."""
    name = safe_file_name(upload.name or "")
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)
        raise ValidationError(f"This kind of file cannot be added. Accepted: {allowed}.")
    if not upload.size:
        raise ValidationError("The file is empty.")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB, the most a document can be.")
    return name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field whose value is every file chosen, not only the last one."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        uploads = data if isinstance(data, list | tuple) else [data]
        uploads = [upload for upload in uploads if upload]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        # FileField's own checks would fail the whole form for one empty file; `UploadForm.clean` checks each instead.
        return uploads


@dataclass(frozen=True, slots=True)
class Rejected:
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Accepted:
    name: str
    upload: UploadedFile


class UploadForm(forms.Form):
    """Files for the knowledge base. One bad file is reported and set aside; the others still go in."""

    files = MultipleFileField(
        label="Files",
        error_messages={"required": "Choose at least one file to upload."},
        widget=MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)}),
    )

    def clean_files(self) -> list[UploadedFile]:
        uploads: list[UploadedFile] = self.cleaned_data["files"]
        if len(uploads) > MAX_FILES_PER_UPLOAD:
            raise ValidationError(f"Upload at most {MAX_FILES_PER_UPLOAD} files at a time.")
        return uploads

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # In the order chosen, so the outcomes read back in the order the user picked the files.
        self.checked: list[Accepted | Rejected] = []
        seen: set[str] = set()
        for upload in cleaned.get("files", []):
            try:
                name = check_upload(upload)
            except ValidationError as error:
                self.checked.append(Rejected(shown_name(upload.name or ""), " ".join(error.messages)))
                continue
            # Two files with one name would silently replace each other; the document name is the identity.
            if name in seen:
                self.checked.append(Rejected(name, "Another file with this name is in the same upload."))
                continue
            seen.add(name)
            self.checked.append(Accepted(name, upload))
        return cleaned
