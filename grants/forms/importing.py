"""The form that takes a report to import: a Word document or its pasted text."""

from crispy_forms_gds.layout import Field
from django import forms
from django.core.exceptions import ValidationError

from grants.forms.fields import page_form_helper
from grants.importing.reading import MAX_TEXT_CHARACTERS, MAX_UPLOAD_BYTES

WORD_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    # What some browsers and systems send for a .docx they do not know.
    "application/octet-stream",
    "application/zip",
    "application/x-zip-compressed",
    "",
}


class ReportImportForm(forms.Form):
    document = forms.FileField(
        label="Upload the report as a Word document",
        required=False,
        help_text=f"A .docx file of at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, written "
        "in the IAM report template.",
    )
    text = forms.CharField(
        label="Or paste the report’s text",
        required=False,
        strip=False,
        max_length=MAX_TEXT_CHARACTERS,
        widget=forms.Textarea,
        help_text="Copy everything from the title to the report author, with its tables. "
        "Table rows copied from Word keep their cells apart with tabs.",
        error_messages={
            "max_length": f"The text must be {MAX_TEXT_CHARACTERS:,} characters or fewer"
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = page_form_helper(Field("document"), Field.textarea("text", rows=12))

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document is None:
            return None
        if not document.name.lower().endswith(".docx"):
            raise ValidationError("The file must be a Word document (.docx)")
        if (document.content_type or "").split(";")[0].strip().lower() not in WORD_TYPES:
            raise ValidationError("The file must be a Word document (.docx)")
        if document.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
            )
        return document

    def clean(self):
        cleaned = super().clean()
        has_document = bool(cleaned.get("document"))
        has_text = bool((cleaned.get("text") or "").strip())
        if self.errors:
            return cleaned
        if has_document and has_text:
            raise ValidationError("Upload a Word document or paste the text, not both")
        if not has_document and not has_text:
            self.add_error("document", "Upload the report as a Word document, or paste its text")
        return cleaned
