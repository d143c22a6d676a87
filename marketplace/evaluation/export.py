"""The campaign's full score sheet as an Excel workbook (openpyxl), for administrators and
`flask evaluation export YEAR FILE.xlsx`.

First sheet (the interface other systems read): a header row, then one row per platform in rank
order: ref, name, total, rank, grade, then one column per indicator (its score, 0-100). Further
sheets hold the formulas' inputs: raw values with the province median, the indicators with weights,
rules, targets and bands, dimension subtotals, the experts' means, and the corrections."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

from .. import vocab
from ..core.spreadsheets import sheet
from ..core.timeutil import to_local
from . import results
from .models import EvaluationCampaign, IndicatorSource

RESULTS_HEADER = ["平台编号", "平台名称", "总分", "排名", "等级"]


def _num(value) -> str:
    return "" if value is None else f"{value:g}"


def workbook(campaign: EvaluationCampaign) -> Workbook:
    """The workbook, written as a stream (openpyxl's write-only mode): save it once."""
    participants = results.ranking(campaign, values=False)
    indicators = list(campaign.indicators)
    table = results.value_table(campaign)

    def score(p, code):
        return table.get((p.id, code), (None, None))[1]

    def raw(p, code):
        return table.get((p.id, code), (None, None))[0]

    wb = Workbook(write_only=True)
    sheet(
        wb,
        "评价结果",
        RESULTS_HEADER + [f"{i.name}（{i.code}）" for i in indicators],
        [
            [p.platform.ref, p.platform.name, p.total, p.rank, p.grade_label]
            + [score(p, i.code) for i in indicators]
            for p in participants
        ],
        first=True,
    )
    medians = results.medians(campaign)
    sheet(
        wb,
        "原始数值",
        ["平台编号", "平台名称"] + [f"{i.name}（{i.unit}）" if i.unit else i.name for i in indicators],
        [[p.platform.ref, p.platform.name] + [raw(p, i.code) for i in indicators] for p in participants]
        + [["全省中位数", ""] + [medians[i.code]["value"] for i in indicators]],
    )
    sheet(
        wb,
        "指标与规则",
        [
            "维度",
            "指标代码",
            "指标",
            "单位",
            "权重",
            "数据来源",
            "计分规则",
            "方向",
            "目标值",
            "分档",
            "规则说明",
        ],
        [
            [
                i.dimension.name,
                i.code,
                i.name,
                i.unit,
                i.weight,
                i.source_label,
                i.rule_label,
                "越高越好" if i.higher_is_better else "越低越好",
                i.target,
                "；".join(f"{b['at']:g}→{b['score']:g}" for b in (i.bands or ())),
                results.rule_text(i),
            ]
            for i in indicators
        ]
        + [[], ["等级阈值", *(f"{vocab.GRADES[g]} ≥ {t:g}" for g, t in campaign.grade_thresholds.items())]],
    )
    dimensions = list(campaign.dimensions)
    sheet(
        wb,
        "分维度得分",
        ["平台编号", "平台名称"]
        + [f"{d.name}得分" for d in dimensions]
        + [f"{d.name}排名" for d in dimensions],
        [
            [p.platform.ref, p.platform.name]
            + [((p.dimension_scores or {}).get(d.code) or {}).get("score") for d in dimensions]
            + [((p.dimension_scores or {}).get(d.code) or {}).get("rank") for d in dimensions]
            for p in participants
        ],
    )
    expert_rows = []
    summaries = results.expert_summaries(campaign, participants)
    for p in participants:
        for i in indicators:
            if i.source == IndicatorSource.EXPERT:
                s = summaries[p.id, i.id]
                expert_rows.append(
                    [
                        p.platform.ref,
                        p.platform.name,
                        i.code,
                        s.count,
                        "、".join(f"{v:g}" for v in s.used),
                        "、".join(f"{v:g}" for v in s.dropped),
                        s.mean,
                        raw(p, i.code),
                        s.rule,
                    ]
                )
    sheet(
        wb,
        "专家评分",
        [
            "平台编号",
            "平台名称",
            "指标代码",
            "评分专家数",
            "计入的评分",
            "去掉的评分",
            "平均分",
            "采用值",
            "规则",
        ],
        expert_rows,
    )
    sheet(
        wb,
        "更正记录",
        [
            "时间",
            "平台编号",
            "指标代码",
            "原数值",
            "新数值",
            "原总分",
            "新总分",
            "原因",
            "操作人",
            "受影响平台",
        ],
        [
            [
                to_local(c.at).strftime("%Y-%m-%d %H:%M"),
                c.participant.platform.ref,
                c.indicator.code,
                c.old_value,
                c.new_value,
                c.old_total,
                c.new_total,
                c.reason,
                c.by.name if c.by else "",
                "；".join(
                    f"{k['name']} {_num(k['old'])}→{_num(k['new'])}" for k in results.knock_on_names(c)
                ),
            ]
            for c in results.corrections(campaign)
        ],
    )
    return wb


def xlsx_bytes(campaign: EvaluationCampaign) -> bytes:
    stream = BytesIO()
    workbook(campaign).save(stream)
    return stream.getvalue()
