"""Document downloads: teachers-only access, then an atomic download count."""

from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse
from wagtail import hooks

from .selectors import document_may_download
from .services import document_download_record


@hooks.register("before_serve_document", order=100)
def teachers_only_then_count(document, request):
    """Runs after Wagtail's own collection-privacy check (order 0).

    Anonymous visitors of a teachers-only (or school-internal) file are sent to the login
    page; a logged-in account without the right membership gets a 403. Only a download
    that is actually served is counted.
    """
    allowed = document_may_download(document=document, user=request.user)
    if allowed is None:
        return redirect_to_login(request.get_full_path())
    if not allowed:
        return TemplateResponse(
            request,
            "403.html",
            {"message": "该资料仅限本市在职教师或本校教职工下载。"},
            status=403,
        )
    document_download_record(document=document)
    return None


@hooks.register("construct_admin_api", order=100)
def scoped_admin_api(router):
    """Replace Wagtail's document and image endpoints (registered at order 0)."""
    from .admin_api import ScopedDocumentsAdminAPIViewSet, ScopedImagesAdminAPIViewSet

    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)
