import io


def test_demo_content_is_complete(demo_city, client):
    """The resources and courses of the demo city (idempotency: ``tests/schools/test_demo``)."""
    import docx

    from courses.models import ActivityPage, CurriculumPage, LessonPage
    from resources.models import ParentGuidePage, PolicyPage, XinyuDocument

    assert CurriculumPage.objects.live().count() >= 10
    assert LessonPage.objects.live().count() >= 30
    assert ParentGuidePage.objects.live().count() >= 12
    assert ActivityPage.objects.live().count() >= 6
    assert PolicyPage.objects.live().count() >= 4
    assert XinyuDocument.objects.filter(audience="teachers").exists()
    # Every lesson has a real .docx lesson plan.
    lessons = LessonPage.objects.live().select_related("lesson_plan")
    assert all(lesson.lesson_plan for lesson in lessons)
    lesson = lessons.first()
    with lesson.lesson_plan.open_file() as fh:
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(fh.read())).paragraphs)
    assert lesson.title in text and "教学目标" in text
    # The home page features the new sections; the menu lists the indexes.
    html = client.get("/").content.decode()
    assert "家长课堂" in html and "课程资源" in html
