"""Built-in instruments (R-12): PHQ-9 and GAD-7 with standard scoring, and licensed skeletons.

The Chinese item wording here was written for this platform. PHQ-9 and GAD-7 may be
reproduced freely; MHT and SCL-90 are copyrighted, so only their structure (item count,
options, scoring, cut-offs) is built in and the licensee enters the item text.
"""

FREQUENCY_OPTIONS = "0=完全没有\n1=有几天\n2=一半以上的天数\n3=几乎每天"

PFIZER_NOTE = (
    "本量表由 Robert L. Spitzer、Janet B. W. Williams、Kurt Kroenke 等编制，"
    "编制工作得到辉瑞公司的教育资助；原作者声明无需许可即可复制、翻译、展示和分发。"
    "本平台的中文题目为平台自行翻译。筛查结果只用于发现需要关注的学生，不能替代专业诊断。"
)

PHQ9_ITEMS = [
    "做事时提不起劲，或者没有兴趣",
    "感到心情低落、沮丧或者看不到希望",
    "难以入睡、睡不踏实，或者睡得太多",
    "感到疲惫，或者没有精力",
    "胃口不好，或者吃得太多",
    "觉得自己很差劲，觉得自己是个失败者，或者让自己、让家人失望了",
    "很难集中注意力，比如看书、写作业或者看电视的时候",
    "动作或说话慢到别人都能察觉；或者恰好相反，烦躁坐不住，比平时动得多很多",
    "有过不如死了算了的念头，或者想用某种方式伤害自己",
]

GAD7_ITEMS = [
    "感到紧张、焦虑，或者心里发慌",
    "停不下来或者控制不住地担心",
    "对各种各样的事情担心得过多",
    "很难放松下来",
    "心神不宁，很难安安静静地坐着",
    "变得容易心烦或者容易发脾气",
    "感到害怕，好像有什么可怕的事情就要发生",
]

PHQ9 = {
    "code": "PHQ-9",
    "version": "1",
    "name": "患者健康问卷抑郁量表",
    "kind": "builtin",
    "scoring": "sum",
    "instructions": "在过去两周里，你有多少时间被以下问题困扰？请选择最符合你情况的一项。",
    "licence_note": PFIZER_NOTE,
    "items": [
        {
            "number": n,
            "text": text,
            "options": FREQUENCY_OPTIONS,
            "is_critical": n == 9,
            "critical_min_score": 1 if n == 9 else None,
        }
        for n, text in enumerate(PHQ9_ITEMS, start=1)
    ],
    "cutoffs": [
        {"min_score": 0, "max_score": 4, "label": "无或极轻微", "level": ""},
        {"min_score": 5, "max_score": 9, "label": "轻度", "level": ""},
        {"min_score": 10, "max_score": 14, "label": "中度", "level": "general"},
        {"min_score": 15, "max_score": 19, "label": "中重度", "level": "key"},
        {"min_score": 20, "max_score": 27, "label": "重度", "level": "crisis"},
    ],
}

GAD7 = {
    "code": "GAD-7",
    "version": "1",
    "name": "广泛性焦虑量表",
    "kind": "builtin",
    "scoring": "sum",
    "instructions": "在过去两周里，你有多少时间被以下问题困扰？请选择最符合你情况的一项。",
    "licence_note": PFIZER_NOTE,
    "items": [
        {"number": n, "text": text, "options": FREQUENCY_OPTIONS}
        for n, text in enumerate(GAD7_ITEMS, start=1)
    ],
    "cutoffs": [
        {"min_score": 0, "max_score": 4, "label": "无或极轻微", "level": ""},
        {"min_score": 5, "max_score": 9, "label": "轻度", "level": ""},
        {"min_score": 10, "max_score": 14, "label": "中度", "level": "general"},
        {"min_score": 15, "max_score": 21, "label": "重度", "level": "key"},
    ],
}

LICENSED_NOTE = (
    "本量表受版权保护，平台只内置结构（题数、选项、计分与分界）。"
    "学校或教育局取得授权后，由持证人员录入题目文字并按手册核对分量表；未录入题目前不要用于筛查。"
)

MHT = {
    "code": "MHT",
    "version": "1",
    "name": "心理健康诊断测验（授权量表骨架）",
    "kind": "licensed",
    "scoring": "sum",
    "instructions": "",
    "licence_note": LICENSED_NOTE,
    "items": [{"number": n, "text": "", "options": "0=否\n1=是"} for n in range(1, 101)],
    "cutoffs": [
        {"min_score": 0, "max_score": 64, "label": "未见明显问题", "level": ""},
        {"min_score": 65, "max_score": 100, "label": "需要关注", "level": "general"},
    ],
}

SCL90 = {
    "code": "SCL-90",
    "version": "1",
    "name": "症状自评量表（授权量表骨架）",
    "kind": "licensed",
    "scoring": "sum",
    "instructions": "",
    "licence_note": LICENSED_NOTE,
    "items": [
        {"number": n, "text": "", "options": "1=没有\n2=很轻\n3=中等\n4=偏重\n5=严重"}
        for n in range(1, 91)
    ],
    "cutoffs": [
        {"min_score": 90, "max_score": 159, "label": "未见明显问题", "level": ""},
        {"min_score": 160, "max_score": 450, "label": "筛查阳性", "level": "general"},
    ],
}

BUILTIN_SPECS = [PHQ9, GAD7, MHT, SCL90]
