"""The back office's API endpoints for documents and images, scoped like the back office.

Wagtail's admin API (``/admin/api/main/documents/``, ``…/images/``) only hides collections
with a view restriction the user does not pass, so every back-office user saw every school's
internal documents. These endpoints list exactly what the back office's own document and
image listings and choosers offer the user: items in collections where they hold a
collection permission (Wagtail's permission policy — the one rule for both).
"""

from wagtail.documents import get_document_model
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images import get_image_model
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permissions import policy_registry

BACK_OFFICE_ACTIONS = ["choose", "change", "delete"]


class ScopedDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    def get_queryset(self):
        policy = policy_registry.get_by_type(get_document_model())
        allowed = policy.instances_user_has_any_permission_for(
            self.request.user, BACK_OFFICE_ACTIONS
        )
        return super().get_queryset().filter(pk__in=allowed.values("pk"))


class ScopedImagesAdminAPIViewSet(ImagesAdminAPIViewSet):
    # Original image files are private (portal/storage.py) and have no URL of their own.
    meta_fields = [f for f in ImagesAdminAPIViewSet.meta_fields if f != "download_url"]
    listing_default_fields = [
        f for f in ImagesAdminAPIViewSet.listing_default_fields if f != "download_url"
    ]
    nested_default_fields = [
        f for f in ImagesAdminAPIViewSet.nested_default_fields if f != "download_url"
    ]

    def get_queryset(self):
        policy = policy_registry.get_by_type(get_image_model())
        allowed = policy.instances_user_has_any_permission_for(
            self.request.user, BACK_OFFICE_ACTIONS
        )
        return super().get_queryset().filter(pk__in=allowed.values("pk"))
