"""The document form used by the Wagtail admin (single and multiple upload)."""

from django.core.exceptions import ValidationError
from wagtail.documents.forms import BaseDocumentForm
from wagtail.models import Collection

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
        if collection is None and "collection" not in self.fields:
            collection = (
                self.instance.collection
                if self.instance.collection_id
                else Collection.get_first_root_node()
            )
        if audience == Audience.TEACHERS and collection is not None:
            from .services import TEACHERS_COLLECTION_NAME

            names = [c.name for c in collection.get_ancestors(inclusive=True)]
            if TEACHERS_COLLECTION_NAME not in names:
                message = (
                    f"“仅限教师”的文件必须放在“{TEACHERS_COLLECTION_NAME}”"
                    "文件夹（或其子文件夹）中，才能保证未登录的访客无法下载。"
                )
                field = "collection" if "collection" in self.fields else "audience"
                raise ValidationError({field: message})
        return cleaned
