"""The document and image forms used by the Wagtail admin (single and multiple upload)."""

from django.core.exceptions import ValidationError
from wagtail.documents.forms import BaseDocumentForm
from wagtail.images.forms import BaseImageForm
from wagtail.models import Collection

from portal.storage import upload_writable

from .validators import document_file_check
from .vocab import Audience, ResourceType

SCHOOL_MISSING = "请选择本文件所属的学校。"


def document_schools_for(*, user):
    """Schools a user may mark a document as theirs: every school for the bureau and
    superusers; otherwise the schools they administer or lead (who upload its documents)."""
    from schools import access
    from schools.models import School

    if user is None:
        return School.objects.all()
    return access.schools_for(user=user, cap="portal.content.edit_school")


class XinyuDocumentForm(BaseDocumentForm):
    def __init__(self, *args, **kwargs):
        self.for_user = kwargs.get("user")
        super().__init__(*args, **kwargs)
        if "school" in self.fields:
            from django.db.models import Q

            from schools.models import School

            schools = document_schools_for(user=self.for_user)
            if self.instance.school_id:  # keep the current school choosable
                schools = School.objects.filter(
                    Q(pk__in=schools.values("pk")) | Q(pk=self.instance.school_id)
                )
            self.fields["school"].queryset = schools
            user = self.for_user
            if user is not None and not _is_bureau(user):
                self.fields["school"].empty_label = None
                self.fields["school"].required = True
                self.fields["school"].help_text = "本校文件：其他学校看不到，也不能修改。"

    def clean_file(self):
        f = self.cleaned_data.get("file")
        if f and "file" in self.changed_data:
            document_file_check(f, name=f.name)
            upload_writable("documents")(f)
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
        self._clean_policy_kind(cleaned)
        return cleaned

    def _clean_policy_kind(self, cleaned):
        """A policy sub-type only on policy documents; required on a school's own ones."""
        if "policy_kind" not in self.fields:
            return
        kind = cleaned.get("policy_kind")
        resource_type = cleaned.get("resource_type", self.instance.resource_type)
        school = cleaned.get("school", self.instance.school if self.instance.school_id else None)
        if kind and resource_type != ResourceType.POLICY:
            self.add_error("policy_kind", "只有资源类型为“政策文件”的文件才选择文件类别。")
        elif resource_type == ResourceType.POLICY and school is not None and not kind:
            self.add_error(
                "policy_kind",
                "学校的政策文件请选择类别（工作方案 / 工作计划、学生身心健康教育制度、"
                "心理健康状况报告制度或其他），市局督导据此统计。",
            )


class XinyuImageForm(BaseImageForm):
    """The image form of the Wagtail admin: an unwritable media folder is a form error."""

    def clean_file(self):
        f = self.cleaned_data.get("file")
        if f and "file" in self.changed_data:
            upload_writable("original_images")(f)
        return f


def _is_bureau(user) -> bool:
    from schools import access

    return access.bureau_covers(user=user, cap="portal.content.edit_school")
