import io

import pytest

pytestmark = pytest.mark.django_db


class Out:
    def __call__(self, msg):
        pass

    def every(self, *args, **kwargs):
        pass


def test_demo_content_is_complete_and_idempotent(home, client):
    import random

    import docx
    from wagtail.models import Page

    from courses import demo as courses_demo
    from courses.models import ActivityPage, CurriculumPage, LessonPage
    from resources import demo as resources_demo
    from resources.models import ParentGuidePage, PolicyPage, XinyuDocument

    for _ in range(2):
        resources_demo.load(out=Out(), rng=random.Random(1))
        courses_demo.load(out=Out(), rng=random.Random(1))
        counts = (Page.objects.count(), XinyuDocument.objects.count())
    resources_demo.load(out=Out(), rng=random.Random(1))
    courses_demo.load(out=Out(), rng=random.Random(1))
    assert (Page.objects.count(), XinyuDocument.objects.count()) == counts

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
