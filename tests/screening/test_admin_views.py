"""The instrument and round viewsets render for the psychology teacher and refuse bad input."""

from django.urls import reverse

from screening.models import Instrument


def _formset(prefix, rows):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
        data[f"{prefix}-{i}-ORDER"] = str(i + 1)
        data[f"{prefix}-{i}-DELETE"] = ""
    return data


def test_psych_defines_instrument_and_inconsistent_one_is_refused(client, world):
    client.force_login(world.psych)
    url = reverse("screening_instruments:add")
    assert client.get(url).status_code == 200
    base = {
        "name": "本校学习压力小问卷",
        "code": "XX-2",
        "version": "1",
        "school": world.a.pk,
        "scoring": "sum",
        "is_active": "on",
        "instructions": "",
        "licence_note": "",
    }
    items = _formset(
        "items",
        [
            {
                "number": n,
                "text": f"题{n}",
                "subscale": "",
                "options": "0=否\n1=是",
                "critical_min_score": "",
            }
            for n in (1, 2)
        ],
    )
    bad_cutoffs = _formset(
        "cutoffs", [{"min_score": "0", "max_score": "5", "label": "正常", "level": ""}]
    )
    response = client.post(url, {**base, **items, **bad_cutoffs})
    assert response.status_code == 200 and "超出可能得分范围" in response.content.decode()
    assert not Instrument.objects.filter(code="XX-2").exists()
    good_cutoffs = _formset(
        "cutoffs",
        [
            {"min_score": "0", "max_score": "1", "label": "正常", "level": ""},
            {"min_score": "2", "max_score": "2", "label": "关注", "level": "general"},
        ],
    )
    response = client.post(url, {**base, **items, **good_cutoffs})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Instrument.objects.get(code="XX-2").items.count() == 2


def test_round_add_form_renders_for_psych_and_not_for_class_teacher(client, world):
    client.force_login(world.psych)
    assert client.get(reverse("screening_rounds:add")).status_code == 200
    client.force_login(world.class_teacher)
    assert client.get(reverse("screening_rounds:add")).status_code in (302, 403)
