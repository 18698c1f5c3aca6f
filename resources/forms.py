"""The document form used by the Wagtail admin (single and multiple upload)."""

from django.core.exceptions import ValidationError
from wagtail.documents.forms import BaseDocumentForm

from .validators import document_file_check
from .vocab import Audience


class XinyuDocumentForm(BaseDocumentForm):
    def clean_file(self):
        f = self.cleaned_data.get("file")
        if f and "file" in self.changed_data:
            document_file_check(f, name=f.name)
        return f

    def clean(self):
        cleaned = super().clean()
        audience = cleaned.get("audience")
        collection = cleaned.get("collection")
        if audience == Audience.TEACHERS and collection is not None:
            from .services import TEACHERS_COLLECTION_NAME

            names = [c.name for c in collection.get_ancestors(inclusive=True)]
            if TEACHERS_COLLECTION_NAME not in names:
                raise ValidationError(
                    {
                        "collection": f"“仅限教师”的文件必须放在“{TEACHERS_COLLECTION_NAME}”"
                        "文件夹（或其子文件夹）中，才能保证未登录的访客无法下载。"
                    }
                )
        return cleaned
