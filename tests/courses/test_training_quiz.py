"""The self-check quiz: question kinds, per-attempt shuffling, grading, pass mark, results."""

import importlib
import itertools
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from wagtail.blocks.struct_block import StructBlockValidationError

from courses.models import HoursEntry, QuizAttempt
from courses.training import selectors as sel
from courses.training import services as svc
from courses.training.blocks import QuizQuestionBlock
from demo import training as training_demo
from schools.vocab import Role
from tests.factories import make_member

from .factories import make_module, quiz_form, quiz_post_data

pytestmark = pytest.mark.django_db

FOUR = [
    ("哪一项是正确的？", [("甲", True), ("乙", False), ("丙", False), ("丁", False)]),
    ("哪些是正确的？", [("子", True), ("丑", True), ("寅", False), ("卯", False)]),
    ("再选一个正确的：", [("东", True), ("南", False), ("西", False), ("北", False)]),
    ("选出全部正确的：", [("春", True), ("夏", False), ("秋", True), ("冬", False)]),
]
RIGHT = [0, [0, 1], 0, [0, 2]]  # the correct options' own indexes, per question of FOUR


@pytest.fixture
def seeds(monkeypatch):
    """Attempt seeds 1, 2, 3, … instead of random ones: orders are deterministic."""
    counter = itertools.count(1)
    monkeypatch.setattr(svc, "quiz_seed_new", lambda: next(counter))


def _teacher_client(module=None):
    client = Client(enforce_csrf_checks=True)
    teacher = make_member(Role.TEACHER)
    client.force_login(teacher)
    if module is not None:
        for block in module.sections:
            svc.section_complete(teacher=teacher, module=module, section_id=block.id)
    return client, teacher


def _url(module):
    return f"/me/training/modules/{module.pk}/quiz/"


def _order(form):
    return {qid: [text for _, text in options] for qid, options in form["questions"].items()}


def test_single_choice_renders_radios_and_multiple_checkboxes(home, seeds):
    module = make_module(home, questions=FOUR)
    client, _ = _teacher_client()
    response = client.get(_url(module))
    assert response.status_code == 200
    html = response.content.decode()
    form = quiz_form(html)
    blocks = list(module.quiz)
    assert form["types"][blocks[0].id] == {"radio"}
    assert form["types"][blocks[1].id] == {"checkbox"}
    assert form["types"][blocks[2].id] == {"radio"}
    assert form["types"][blocks[3].id] == {"checkbox"}
    assert html.count(">多选</span>") == 2 and html.count(">单选</span>") == 2
    assert "其中多选题 2 道" in html and "答对 60% 及以上即为通过" in html
    # The browser gets shown positions only, never the options' own indexes or ids.
    assert all(value in "0123" for opts in form["questions"].values() for value, _ in opts)
    assert "c1-" not in html and "correct" not in html


def test_same_attempt_keeps_its_order_and_next_attempt_reshuffles(home, seeds):
    module = make_module(home, questions=FOUR)
    client, _ = _teacher_client()
    first = quiz_form(client.get(_url(module)).content.decode())
    again = quiz_form(client.get(_url(module)).content.decode())
    assert _order(again) == _order(first) and again["paper"] == first["paper"]
    # Not the order the editor gave, and correct options are not always first.
    assert _order(first) != {b.id: [c["text"] for c in b.value["choices"]] for b in module.quiz}

    # A validation error re-renders the same order with the teacher's choices kept.
    data = quiz_post_data(module, first, RIGHT)
    del data[f"q-{list(module.quiz)[2].id}"]
    response = client.post(_url(module), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "第 3 题还没有作答" in html and "本题还没有作答" in html
    assert _order(quiz_form(html)) == _order(first)
    assert html.count(" checked") == 1 + 2 + 2
    assert not QuizAttempt.objects.exists()

    response = client.post(_url(module), quiz_post_data(module, first, RIGHT))
    assert response.status_code == 302
    attempt = QuizAttempt.objects.get()
    assert attempt.seed == 1 and attempt.passed
    second = quiz_form(client.get(_url(module)).content.decode())
    assert second["paper"] != first["paper"]
    assert _order(second) != _order(first)


def test_quiz_paper_is_deterministic_per_seed():
    """Same seed, same order; another seed, another order; no seed, the editor's order."""
    module = SimpleNamespace()
    module.quiz = [
        SimpleNamespace(
            id=f"q{i}",
            value={
                "question": text,
                "kind": "single",
                "choices": [{"text": t, "correct": ok} for t, ok in options],
                "explanation": "",
            },
        )
        for i, (text, options) in enumerate(FOUR)
    ]
    one = [[o.index for o in item.options] for item in sel.quiz_paper(module=module, seed=7)]
    same = [[o.index for o in item.options] for item in sel.quiz_paper(module=module, seed=7)]
    other = [[o.index for o in item.options] for item in sel.quiz_paper(module=module, seed=8)]
    kept = [[o.index for o in item.options] for item in sel.quiz_paper(module=module, seed=None)]
    assert one == same and one != other
    assert kept == [[0, 1, 2, 3]] * 4


def test_grading_maps_shown_positions_back(home, seeds):
    module = make_module(home, questions=FOUR)
    client, teacher = _teacher_client()
    form = quiz_form(client.get(_url(module)).content.decode())
    # Posting the correct options where they are shown passes…
    assert client.post(_url(module), quiz_post_data(module, form, RIGHT)).status_code == 302
    attempt = QuizAttempt.objects.get()
    assert (attempt.correct, attempt.total, attempt.score, attempt.passed) == (4, 4, 100, True)
    assert attempt.answers == {
        b.id: (r if isinstance(r, list) else [r]) for b, r in zip(module.quiz, RIGHT, strict=True)
    }

    # …posting the options' own indexes as if nothing were shuffled does not.
    form = quiz_form(client.get(_url(module)).content.decode())
    paper = sel.quiz_paper(module=module, seed=2)
    data = {"csrfmiddlewaretoken": form["token"], "paper": form["paper"]}
    for item, right in zip(paper, RIGHT, strict=True):
        data[f"q-{item.id}"] = [str(i) for i in ([right] if isinstance(right, int) else right)]
    assert client.post(_url(module), data).status_code == 302
    unshuffled = QuizAttempt.objects.order_by("-pk").first()
    expected = sum(
        1
        for item in paper
        if {item.options[int(v)].index for v in data[f"q-{item.id}"]} == item.right
    )
    assert unshuffled.correct == expected < 4 and not unshuffled.passed


def test_posted_values_outside_the_paper_count_as_unanswered(home, seeds):
    module = make_module(home, questions=FOUR)
    client, _ = _teacher_client()
    form = quiz_form(client.get(_url(module)).content.decode())
    data = quiz_post_data(module, form, RIGHT)
    first = list(module.quiz)[0]
    data[f"q-{first.id}"] = ["9", "-1", "abc"]
    response = client.post(_url(module), data)
    assert response.status_code == 400 and "第 1 题还没有作答" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_a_page_from_an_earlier_attempt_is_not_graded(home, seeds):
    module = make_module(home, questions=FOUR)
    client, _ = _teacher_client()
    form = quiz_form(client.get(_url(module)).content.decode())
    client.post(_url(module), quiz_post_data(module, form, RIGHT))
    # The same page posted again (back button): its order is no longer the attempt's.
    response = client.post(_url(module), quiz_post_data(module, form, RIGHT))
    assert response.status_code == 400 and "页面已过期" in response.content.decode()
    assert QuizAttempt.objects.count() == 1


def test_single_choice_takes_one_answer(home):
    module = make_module(home, questions=FOUR)
    teacher = make_member(Role.TEACHER)
    answers = {b.id: [0, 1] for b in module.quiz}
    with pytest.raises(ValidationError, match="第 1、3 题是单选题，只能选一个答案"):
        svc.quiz_submit(teacher=teacher, module=module, answers=answers)
    assert not QuizAttempt.objects.exists()


def _questions(n):
    return [(f"第{i}题", [("对", True), ("错", False)]) for i in range(1, n + 1)]


@pytest.mark.parametrize(
    ("count", "pass_mark", "right", "passed", "score"),
    [
        (8, 75, 6, True, 75),  # exactly at the mark
        (8, 75, 5, False, 62),
        (8, 80, 7, True, 87),
        (8, 80, 6, False, 75),
        (9, 78, 7, False, 77),  # 77.8 % is below 78: never rounded up to pass
        (9, 77, 7, True, 77),
        (8, 100, 8, True, 100),
        (8, 100, 7, False, 87),
    ],
)
def test_pass_mark_at_the_boundary(home, count, pass_mark, right, passed, score):
    module = make_module(home, questions=_questions(count), pass_mark=pass_mark)
    teacher = make_member(Role.TEACHER)
    picks = {b.id: [0 if n < right else 1] for n, b in enumerate(module.quiz)}
    attempt = svc.quiz_submit(teacher=teacher, module=module, answers=picks)
    assert (attempt.correct, attempt.passed, attempt.score) == (right, passed, score)
    assert attempt.pass_mark == pass_mark


def test_pass_mark_must_be_1_to_100(home):
    module = make_module(home)
    for bad in (0, 101):
        module.pass_mark = bad
        with pytest.raises(ValidationError) as caught:
            module.full_clean()
        assert "pass_mark" in caught.value.message_dict
    module.pass_mark = 100
    module.full_clean()


def test_result_page_of_a_failed_attempt_names_wrong_questions_not_answers(home, seeds):
    module = make_module(home, questions=FOUR, pass_mark=80)
    client, teacher = _teacher_client(module)
    form = quiz_form(client.get(_url(module)).content.decode())
    picks = [0, [0, 1], 1, [0, 2]]  # the third question wrong: 75 %
    response = client.post(_url(module), quiz_post_data(module, form, picks))
    attempt = QuizAttempt.objects.get()
    assert response["Location"] == f"/me/training/modules/{module.pk}/quiz/attempts/{attempt.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "未通过" in html and "75 分" in html and "3/4 题" in html and "80 分" in html
    assert "答错的题目（1 道）" in html and "再选一个正确的：" in html
    assert "哪一项是正确的？" not in html  # answered right: not listed
    # The key is not handed over: no option marked correct, no explanation.
    assert "（正确答案）" not in html and "解析3" not in html and "答案与解析</h2>" not in html
    assert "未通过时不显示正确答案" in html
    assert "重新自测" in html
    assert not HoursEntry.objects.filter(teacher=teacher).exists()

    # Another teacher cannot open it.
    other, _ = _teacher_client()
    assert other.get(response["Location"]).status_code == 404


def test_result_page_of_a_passed_attempt_shows_the_key_and_credits(home, seeds):
    module = make_module(home, questions=FOUR, pass_mark=75)
    client, teacher = _teacher_client(module)
    form = quiz_form(client.get(_url(module)).content.decode())
    picks = [0, [0, 1], 0, [0]]  # the last (multiple choice) half right: wrong
    response = client.post(_url(module), quiz_post_data(module, form, picks), follow=True)
    html = response.content.decode()
    assert "已通过" in html and "75 分" in html and "恭喜完成本模块" in html
    assert "答错的题目（1 道）" in html and "选出全部正确的：" in html
    assert "答案与解析" in html and "（正确答案）" in html and "解析4" in html
    assert HoursEntry.objects.filter(teacher=teacher).count() == 1
    # The module page lists the attempt with a link to its result.
    page = client.get(f"/me/training/modules/{module.pk}/").content.decode()
    assert f"/quiz/attempts/{QuizAttempt.objects.get().pk}/" in page


def test_passing_without_studying_every_section_credits_nothing(home, seeds):
    module = make_module(home, questions=FOUR)
    client, teacher = _teacher_client()
    form = quiz_form(client.get(_url(module)).content.decode())
    client.post(_url(module), quiz_post_data(module, form, RIGHT))
    assert QuizAttempt.objects.get().passed
    assert not HoursEntry.objects.filter(teacher=teacher).exists()


def test_quiz_needs_csrf(home):
    module = make_module(home, questions=FOUR)
    client, _ = _teacher_client()
    form = quiz_form(client.get(_url(module)).content.decode())
    data = quiz_post_data(module, form, RIGHT)
    del data["csrfmiddlewaretoken"]
    assert client.post(_url(module), data).status_code == 403
    assert not QuizAttempt.objects.exists()


# --- the editor's block validation ---------------------------------------------------------


def _question(text, kind, options):
    block = QuizQuestionBlock()
    return block, block.to_python(
        {
            "question": text,
            "kind": kind,
            "choices": [
                {"type": "item", "id": f"c{i}", "value": {"text": t, "correct": ok}}
                for i, (t, ok) in enumerate(options)
            ],
            "explanation": "",
        }
    )


def _errors(text, kind, options) -> str:
    block, value = _question(text, kind, options)
    with pytest.raises(StructBlockValidationError) as caught:
        block.clean(value)
    return " ".join(m for e in caught.value.non_block_errors.as_data() for m in e.messages)


def test_editor_refuses_a_question_without_a_correct_option():
    message = _errors("情绪的作用是什么", "single", [("甲", False), ("乙", False)])
    assert "题目“情绪的作用是什么”没有标出正确答案" in message


def test_editor_refuses_a_single_choice_with_two_correct_options():
    message = _errors("哪一项正确", "single", [("甲", True), ("乙", True), ("丙", False)])
    assert "题目“哪一项正确”是单选题，却标了 2 个正确答案" in message
    assert "改为多选题" in message


def test_editor_refuses_a_multiple_choice_with_one_correct_option():
    message = _errors("哪些正确", "multiple", [("甲", True), ("乙", False), ("丙", False)])
    assert "题目“哪些正确”是多选题，至少要有两个正确答案" in message


def test_editor_refuses_fewer_than_two_options():
    message = _errors("只有一个选项的题", "single", [("甲", True)])
    assert "题目“只有一个选项的题”至少需要两个选项，现在只有 1 个" in message


def test_editor_refuses_repeated_options():
    message = _errors("重复", "single", [("甲", True), ("甲", False)])
    assert "选项“甲”重复出现" in message


def test_editor_accepts_valid_questions():
    for kind, options in (
        ("single", [("甲", False), ("乙", True)]),
        ("multiple", [("甲", True), ("乙", False), ("丙", True)]),
    ):
        block, value = _question("一道好题", kind, options)
        assert block.clean(value)["kind"] == kind


def test_old_questions_get_the_kind_their_answers_imply():
    migration = importlib.import_module("courses.migrations.0004_quiz_kind_pass_mark_seed")
    questions = [
        {"value": {"choices": [{"value": {"correct": True}}, {"value": {"correct": False}}]}},
        {"value": {"choices": [{"value": {"correct": True}}, {"value": {"correct": True}}]}},
        {"value": {"kind": "single", "choices": []}},
    ]
    result, changed = migration._with_kinds(questions)
    assert changed and [q["value"]["kind"] for q in result] == ["single", "multiple", "single"]


# --- the demo question banks ---------------------------------------------------------------


def test_every_demo_online_module_has_a_valid_mixed_bank():
    block = QuizQuestionBlock()
    online = [spec for spec in training_demo.MODULES if spec["format"] == "online"]
    assert len(online) >= 3
    first_positions = []
    for spec in online:
        quiz = spec["quiz"]
        assert len(quiz) >= 8, spec["slug"]
        assert {q["kind"] for q in quiz} == {"single", "multiple"}, spec["slug"]
        positions = set()
        for i, q in enumerate(quiz):
            value = block.to_python(
                {
                    "question": q["question"],
                    "kind": q["kind"],
                    "choices": [
                        {"type": "item", "id": f"c{j}", "value": c}
                        for j, c in enumerate(q["choices"])
                    ],
                    "explanation": q["explanation"],
                }
            )
            block.clean(value)  # what the editor would accept
            assert len(q["choices"]) >= 4, (spec["slug"], i)
            first = next(j for j, c in enumerate(q["choices"]) if c["correct"])
            positions.add(first)
            first_positions.append(first)
        # The correct answer moves around within each bank, not always first.
        assert len(positions) >= 3, spec["slug"]
    assert first_positions.count(0) / len(first_positions) < 0.4


def test_loaded_demo_modules_carry_their_banks(home):
    import random

    from courses.models import TrainingModulePage

    class _Out:
        def __call__(self, message):
            pass

        def every(self, *args, **kwargs):
            pass

    training_demo.load(out=_Out(), rng=random.Random(1))
    online = TrainingModulePage.objects.filter(format="online")
    assert online.count() >= 3
    for module in online:
        paper = sel.quiz_paper(module=module, seed=None)
        assert len(paper) >= 8 and module.pass_mark == 80
        assert {item.multiple for item in paper} == {True, False}
