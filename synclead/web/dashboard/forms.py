"""Forms of the dashboard: what an uploaded file must be before the knowledge base is asked to read it, and what
an advisor may change on a lead.

The upload checks here are the cheap ones (name, extension, size); whether the content parses is the ingester's call.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from synclead.web.leads.models import FollowUp, Lead, Urgency

ALLOWED_EXTENSIONS = ("md", "markdown", "txt", "html", "htm", "pdf", "docx", "csv", "xlsx")
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
        raise ValidationError(_("The file name contains control characters; rename the file and try again."))
    if name in ("", ".", ".."):
        raise ValidationError(_("The file has no name."))
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(_("The file name is longer than %(limit)d characters.") % {"limit": MAX_NAME_LENGTH})
    return name


def shown_name(raw: str) -> str:
    """A rejected file's name as it can be quoted back to the user, even when it cannot be stored."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join("?" if unicodedata.category(char) in ("Cc", "Cf") else char for char in name)[:80] or _("(no name)")


def check_upload(upload: UploadedFile) -> str:
    """The safe name of an acceptable upload; a `ValidationError` that says what to fix otherwise."""
    name = safe_file_name(upload.name or "")
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)
        raise ValidationError(_("This kind of file cannot be added. Accepted: %(allowed)s.") % {"allowed": allowed})
    if not upload.size:
        raise ValidationError(_("The file is empty."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)d MB, the most a document can be.")
            % {"limit": MAX_UPLOAD_BYTES // 2**20}
        )
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
        label=gettext_lazy("Files"),
        error_messages={"required": gettext_lazy("Choose at least one file to upload.")},
        widget=MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)}),
    )

    def clean_files(self) -> list[UploadedFile]:
        uploads: list[UploadedFile] = self.cleaned_data["files"]
        if len(uploads) > MAX_FILES_PER_UPLOAD:
            raise ValidationError(_("Upload at most %(limit)d files at a time.") % {"limit": MAX_FILES_PER_UPLOAD})
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
                self.checked.append(Rejected(name, _("Another file with this name is in the same upload.")))
                continue
            seen.add(name)
            self.checked.append(Accepted(name, upload))
        return cleaned


# --- Leads ------------------------------------------------------------------------------------------------

# Where a lead may go from each status. Forward through the workflow, sideways to spam, and back one step for a
# mistake; a closed lead reopens as assigned, so someone owns it again.
TRANSITIONS: dict[str, frozenset[str]] = {
    FollowUp.NEW: frozenset({FollowUp.ASSIGNED, FollowUp.CALLED_BACK, FollowUp.CLOSED, FollowUp.SPAM}),
    FollowUp.ASSIGNED: frozenset({FollowUp.NEW, FollowUp.CALLED_BACK, FollowUp.CLOSED, FollowUp.SPAM}),
    FollowUp.CALLED_BACK: frozenset({FollowUp.ASSIGNED, FollowUp.CLOSED, FollowUp.SPAM}),
    FollowUp.CLOSED: frozenset({FollowUp.ASSIGNED}),
    FollowUp.SPAM: frozenset({FollowUp.NEW}),
}


class LeadUpdateForm(forms.ModelForm):
    """What an advisor changes on a lead. The assignee must be a member of the lead's own organization."""

    class Meta:
        model = Lead
        fields = ["follow_up", "assignee", "notes", "due_at"]
        labels = {
            "follow_up": gettext_lazy("Status"),
            "assignee": gettext_lazy("Assignee"),
            "notes": gettext_lazy("Notes"),
            "due_at": gettext_lazy("Call back by"),
        }
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 5}),
            # The view activates the organization's time zone, so the browser's naive local time is the agency's.
            "due_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.previous_status: str = self.instance.follow_up
        assignee = self.fields["assignee"]
        # The queryset is the server-side check: another agency's user id is "not one of the available choices".
        assignee.queryset = self.instance.organization.members.order_by("first_name", "last_name", "username")  # type: ignore[attr-defined]
        assignee.label_from_instance = lambda user: user.get_full_name() or user.get_username()  # type: ignore[attr-defined]
        assignee.empty_label = _("Nobody yet")  # type: ignore[attr-defined]
        self.fields["due_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        status = cleaned.get("follow_up")
        assignee = cleaned.get("assignee")
        if status is None:
            return cleaned
        # Giving a new lead to someone is what "assigned" means; asking for both changes would be a trap.
        if status == FollowUp.NEW and assignee is not None and self.previous_status == FollowUp.NEW:
            status = cleaned["follow_up"] = FollowUp.ASSIGNED
        if status != self.previous_status and status not in TRANSITIONS[self.previous_status]:
            old, new = FollowUp(self.previous_status).label, FollowUp(status).label
            self.add_error("follow_up", _("A lead cannot go from “%(old)s” to “%(new)s”.") % {"old": old, "new": new})
        if status == FollowUp.ASSIGNED and assignee is None:
            self.add_error("assignee", _("Choose who follows this lead up."))
        return cleaned


class LeadFilterForm(forms.Form):
    """The inbox filters, read from the query string; a value that is not offered is ignored, not an error page."""

    ASSIGNEE_CHOICES = [
        ("", gettext_lazy("Anyone")),
        ("mine", gettext_lazy("Mine")),
        ("nobody", gettext_lazy("Nobody")),
    ]

    status = forms.ChoiceField(choices=[("", gettext_lazy("Any status")), *FollowUp.choices], required=False)
    intent = forms.CharField(max_length=64, required=False)
    urgency = forms.ChoiceField(choices=[("", gettext_lazy("Any urgency")), *Urgency.choices], required=False)
    assignee = forms.ChoiceField(choices=ASSIGNEE_CHOICES, required=False)
    q = forms.CharField(max_length=100, required=False, label=gettext_lazy("Search"), strip=True)

    def filters(self) -> dict[str, str]:
        """Each valid filter's value; an invalid one reads as "no filter"."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}
