"""Export a campaign's submissions to .xlsx: one row per target school, Chinese headers."""

from __future__ import annotations

from django.utils import timezone

from portal import spreadsheets

from .figures import figures_for
from .models import Answer, Campaign, FigureValue
from .selectors import campaign_board


def campaign_export_rows(*, campaign: Campaign) -> tuple[list[str], list[list]]:
    """Headers and rows of the export; figures are the values snapshotted at submission."""
    rows_board, _ = campaign_board(campaign=campaign)
    questions = list(campaign.questions.all())
    figures = figures_for(campaign.figure_keys)
    sub_ids = [r.submission.pk for r in rows_board if r.submission]
    answers: dict[tuple[int, int], Answer] = {
        (a.submission_id, a.question_id): a
        for a in Answer.objects.filter(submission_id__in=sub_ids).select_related("question")
    }
    fig_values: dict[tuple[int, str], FigureValue] = {
        (fv.submission_id, fv.key): fv
        for fv in FigureValue.objects.filter(submission_id__in=sub_ids)
    }
    headers = ["学校代码", "学校名称", "乡镇（街道）", "状态", "提交时间", "提交人", "提交次数"]
    for f in figures:
        headers += [f"{f.label}（{f.source_label}）", f"{f.label}·学校说明"]
    headers += [q.label for q in questions]
    rows = []
    for r in rows_board:
        sub = r.submission
        submitted = sub is not None and sub.status == "submitted"
        row = [
            r.school.code,
            r.school.name,
            r.school.township,
            r.state_label,
            timezone.localtime(sub.submitted_at).strftime("%Y-%m-%d %H:%M")
            if sub and sub.submitted_at
            else "",
            (sub.submitted_by.real_name or sub.submitted_by.username)
            if sub and sub.submitted_by
            else "",
            sub.submit_count if sub else 0,
        ]
        for f in figures:
            fv = fig_values.get((sub.pk, f.key)) if sub else None
            if fv is None or not submitted:
                shown = ""
            elif isinstance(fv.value, int | float) and not isinstance(fv.value, bool):
                shown = fv.value
            else:
                shown = fv.value_display
            row += [shown, fv.annotation if fv else ""]
        for q in questions:
            a = answers.get((sub.pk, q.pk)) if sub else None
            if a is None:
                row.append("")
            elif q.kind == "number" and a.number is not None:
                row.append(float(a.number))
            else:
                row.append(a.display())
        rows.append(row)
    return headers, rows


def campaign_export_xlsx(*, campaign: Campaign) -> bytes:
    headers, rows = campaign_export_rows(campaign=campaign)
    info = [
        ["报告任务", campaign.title],
        ["统计期", f"{campaign.period_start:%Y-%m-%d} 至 {campaign.period_end:%Y-%m-%d}"],
        ["截止时间", timezone.localtime(campaign.deadline).strftime("%Y-%m-%d %H:%M")],
        ["导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")],
        ["说明", "预填数据为学校提交时平台记录的数值；未提交的学校不显示数值。"],
    ]
    return spreadsheets.xlsx_build(
        spreadsheets.Sheet(
            title="各校报告",
            headers=headers,
            rows=rows,
            widths=[14, 14] + [18] * (len(headers) - 2),
            freeze="C2",
        ),
        spreadsheets.Sheet(title="说明", preface=info),
    )
