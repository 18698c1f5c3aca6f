"""Demo teacher training: modules, sessions, targets, two years of ledger entries.

Idempotent: pages are looked up by slug, sessions by (module, title), targets by
(year, role); ledger entries are generated only when the ledger is empty. All text is
original and fictional.
"""

from __future__ import annotations

import datetime
import json
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from courses.models import (
    ExternalTraining,
    HoursEntry,
    HoursTarget,
    TrainingIndexPage,
    TrainingModulePage,
    TrainingSession,
)
from courses.training.services import (
    attendance_check,
    attendance_record,
    credit_check,
    credits_add_many,
    external_decide,
    external_submit,
    quiz_submit,
    section_complete,
    session_add,
    session_register,
    target_set,
)
from schools.calendar import SchoolYear
from schools.models import Membership
from schools.vocab import BUREAU_ROLES, Role, Stage

SEED = 20240901
TARGETS = {
    Role.PSYCH_TEACHER: 24,
    Role.CLASS_TEACHER: 12,
    Role.GRADE_LEADER: 6,
    Role.SCHOOL_LEADER: 6,
    Role.SCHOOL_ADMIN: 6,
    Role.TEACHER: 6,
}


def _text(title, *paragraphs):
    return ("text", {"title": title, "body": "".join(f"<p>{p}</p>" for p in paragraphs)})


def _case(title, case, questions, commentary):
    return (
        "case",
        {
            "title": title,
            "case": f"<p>{case}</p>",
            "questions": questions,
            "commentary": f"<p>{commentary}</p>",
        },
    )


def _reading(title, guide):
    return ("reading", {"title": title, "guide": f"<p>{guide}</p>", "document": None})


def _q(question, *options, explanation=""):
    """One question; options marked with a leading ``*`` are correct. Two or more correct
    options make it a multiple-choice question. The order written here is the order kept
    in the page (each attempt shuffles it again), so correct options sit anywhere."""
    choices = [{"text": o.removeprefix("*"), "correct": o.startswith("*")} for o in options]
    kind = "multiple" if sum(c["correct"] for c in choices) >= 2 else "single"
    return {"question": question, "kind": kind, "choices": choices, "explanation": explanation}


MODULES = [
    {
        "slug": "psychological-first-aid",
        "title": "心理急救入门：危机发生后的第一小时",
        "summary": "学生遭遇突发事件后，教师在专业人员到场前能做什么、不能做什么。",
        "audience": "all",
        "format": "online",
        "hours": "2.0",
        "stages": [Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR, Stage.VOCATIONAL],
        "sections": [
            _text(
                "什么是心理急救",
                "心理急救不是心理治疗，而是在危机刚发生时给予人道、支持性的陪伴：确保安全，稳定情绪，了解需要，联系支持。",
                "教师往往是学生身边第一个可信赖的成年人。您的任务是让学生感到“有人在、我不孤单”，而不是追问细节或急于给出解释。",
            ),
            _text(
                "“看、听、联”三步法",
                "看：观察现场是否安全，学生是否受伤，是否有明显的惊恐、麻木或激动反应。",
                "听：蹲下来、放慢语速，允许沉默，不评判、不催促；用“你现在最需要什么？”代替“到底发生了什么？”。",
                "联：按学校预案通知心理教师和分管领导，联系监护人，必要时拨打急救电话。",
            ),
            _case(
                "案例：课间的意外",
                "课间操时，八年级一名学生目睹同学从台阶上摔倒受伤，回到教室后一直发抖、哭泣，说“是我没拉住他”。班主任闻讯赶来。",
                [
                    "班主任的第一句话可以怎么说？",
                    "哪些回应可能加重学生的自责？",
                    "事后需要向谁报告？",
                ],
                "先把学生带到安静的地方，告诉她“你现在很安全，老师陪着你”。不要急着纠正“不是你的错”，先接纳她的感受，再在情绪平稳后帮助她看到事实。事后按预案报告心理教师，并留意她此后几天的睡眠和情绪。",
            ),
        ],
        "quiz": [
            _q(
                "心理急救的首要目标是：",
                "尽快问清事情的经过",
                "*确保安全，并帮助学生逐步稳定情绪",
                "给学生做一次心理测评",
                "让学生把事情经过写下来",
                explanation="安全与稳定优先；了解经过可以稍后由专业人员进行。",
            ),
            _q(
                "关于心理急救，下列说法正确的是：",
                "它是一种简短的心理治疗，必须由持证咨询师实施",
                "它的重点是帮助学生分析事件发生的原因",
                "它只适用于身体受伤的学生",
                "*它是在危机刚发生时给予的人道、支持性的陪伴",
                explanation="心理急救不是心理治疗，教师在专业人员到场前就可以提供。",
            ),
            _q(
                "学生受到惊吓后一直在哭，下列哪种回应最恰当？",
                "“别哭了，这点事不算什么。”",
                "*“我在这里陪着你，你现在最需要什么？”",
                "“你当时为什么不拉住他？”",
                "“快告诉老师，到底发生了什么？”",
                explanation="先陪伴、了解需要，不评判，也不急着追问细节。",
            ),
            _q(
                "“看、听、联”中的“看”，教师需要观察哪些方面？",
                "*现场是否安全",
                "学生这学期的考试成绩",
                "*学生是否受伤",
                "*学生是否有惊恐、麻木或激动等反应",
                explanation="“看”关注的是眼前的安全、伤情和情绪反应。",
            ),
            _q(
                "“听”的时候，下列做法恰当的有：",
                "学生一停顿就马上追问细节",
                "*蹲下来，放慢语速",
                "*允许学生沉默",
                "*不评判、不催促",
                explanation="倾听时要让学生感到被接纳，沉默也是允许的。",
            ),
            _q(
                "“联”这一步通常包括：",
                "*按学校预案通知心理教师和分管领导",
                "先在班级群里说明情况，请同学们留意",
                "*联系学生的监护人",
                "*必要时拨打急救电话",
                explanation="联系的是能提供支持的人；不在班级群等公开场合传播学生的情况。",
            ),
            _q(
                "案例中的学生反复说“是我没拉住他”，班主任此时最合适的做法是：",
                "立即纠正她：“不是你的错，别这么想。”",
                "让她回到座位继续上课，转移注意力",
                "*先带她到安静的地方，接纳她的感受，等情绪平稳后再帮她看清事实",
                "请她向受伤的同学道歉，以减轻内疚",
                explanation="急于纠正会让学生觉得感受没有被听见；先接纳，再澄清事实。",
            ),
            _q(
                "心理急救结束后，教师还应当：",
                "为保护隐私，不告诉任何人",
                "让学生自己决定要不要告诉家长",
                "认为学生已经没事，不再过问",
                "*按学校预案报告，并在之后几天留意学生的睡眠和情绪",
                explanation="危机后的几天同样重要，需要持续关注并与心理教师衔接。",
            ),
            _q(
                "在心理急救中，教师最主要的角色是：",
                "查明事故责任的调查者",
                "*让学生感到“有人在、我不孤单”的陪伴者",
                "为学生作出诊断的专业人员",
                "替学生做所有决定的代言人",
            ),
        ],
    },
    {
        "slug": "recognising-crisis-signs",
        "title": "识别学生心理危机的早期信号",
        "summary": "从行为、情绪、言语和学业变化中发现需要关注的学生，知道何时转介。",
        "audience": "class",
        "format": "online",
        "hours": "1.5",
        "stages": [Stage.JUNIOR, Stage.SENIOR, Stage.VOCATIONAL],
        "sections": [
            _text(
                "变化比表现更重要",
                "判断学生是否需要关注，关键不在某一个行为本身，而在与他平时相比的“变化”：原本开朗的学生突然沉默，原本认真的学生频繁缺交作业。",
                "请留意持续两周以上的情绪低落、兴趣减退、睡眠和饮食改变、回避同伴、成绩骤降等信号。",
            ),
            _text(
                "需要立即行动的信号",
                "学生谈论死亡或自伤、赠送心爱物品、在作文或社交平台流露告别之意、身上出现不明伤痕时，应当立即报告心理教师和学校领导，不要独自处理，也不要替学生保密。",
            ),
            _reading(
                "延伸阅读：班级观察记录怎么写",
                "观察记录只写看到和听到的事实（时间、场合、原话），不写“他有抑郁症”之类的判断。记录交心理教师，按学校规定保管，不在班级群或家长群中讨论。",
            ),
        ],
        "quiz": [
            _q(
                "判断学生是否需要关注时，最重要的依据是：",
                "成绩排名的高低",
                "家长对孩子的评价",
                "*与他平时状态相比的持续变化",
                "是否在课堂上积极发言",
                explanation="关键不在某一个行为本身，而在与平时相比的变化。",
            ),
            _q(
                "下列哪种情况最值得班主任进一步关注？",
                "一向安静的学生课间喜欢独自看书",
                "学生单元测验没考好，当天有些沮丧",
                "学生和同桌为借橡皮吵了几句，第二天就和好了",
                "*原本开朗的学生近三周明显沉默，还经常缺交作业",
                explanation="持续的、与平时相比明显的变化才是需要关注的信号。",
            ),
            _q(
                "下列哪些变化如果持续两周以上，提示需要关注？",
                "*情绪持续低落",
                "换了一个新发型",
                "*对原来喜欢的事情失去兴趣",
                "*睡眠或饮食明显改变",
                "考试前一晚有些紧张",
            ),
            _q(
                "出现下列哪些信号时，应当立即报告心理教师和学校领导？",
                "期中考试后主动找老师订正错题",
                "*谈论死亡或伤害自己",
                "*把心爱的物品送给别人",
                "最近迷上了一款新游戏",
                "*在作文或社交平台中流露告别之意",
                explanation="这些是需要立即行动的信号：不要独自处理，也不要替学生保密。",
            ),
            _q(
                "学生在周记中写“以后你们就见不到我了”，班主任应当：",
                "答应学生替他保密，以维护信任",
                "*立即报告心理教师和学校领导，并确保学生身边有人陪伴",
                "先观察一周，看看是否还有类似的表达",
                "在班上朗读这篇周记，提醒同学们多关心他",
            ),
            _q(
                "学生向老师吐露想伤害自己，并请求“千万别告诉别人”。恰当的做法是：",
                "答应保密，以免失去学生的信任",
                "自己单独处理，不惊动学校",
                "*告诉学生老师很在乎他的安全，这件事需要更多人一起帮助他，并立即报告",
                "请全班同学多留意他的举动",
                explanation="涉及安全时不能承诺保密；可以坦诚说明为什么要告诉其他人。",
            ),
            _q(
                "关于班级观察记录，下列做法正确的有：",
                "*记录时间、场合和学生的原话",
                "写上“该生疑似抑郁症”等判断",
                "*把记录交给心理教师",
                "发到家长群里征求大家的意见",
                "*按学校规定保管记录",
            ),
            _q(
                "下列哪一条观察记录写得最恰当？",
                "“小林最近很不正常，可能有心理疾病。”",
                "“小林性格孤僻，不合群。”",
                "“小林家里可能出了什么问题。”",
                "*“11月3日午饭时，小林独自坐在教室里，说‘吃不下，最近晚上都睡不着’。”",
                explanation="好的记录只写看到和听到的事实，不下诊断、不作推测。",
            ),
            _q(
                "发现学生可能出现危机信号后，班主任不应当：",
                "*独自处理，不告诉任何人",
                "报告心理教师",
                "陪伴学生并持续关注",
                "按学校规定记录观察到的事实",
            ),
        ],
    },
    {
        "slug": "class-meeting-design",
        "title": "设计一节心理健康主题班会",
        "summary": "工作坊：从学生真实困惑出发，设计有体验、有讨论、有行动的主题班会。",
        "audience": "class",
        "format": "workshop",
        "hours": "3.0",
        "stages": [Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR],
        "sections": [
            _text(
                "工作坊安排",
                "上半场：分析一节优秀班会课例的结构——暖身、情境、讨论、联结生活、小行动。",
                "下半场：分组围绕“考试焦虑”“同伴冲突”“手机与睡眠”等主题设计班会，并进行十分钟试讲和互评。",
            ),
            _text(
                "课前准备",
                "请每位参加者带一个本班学生近期的真实困惑（隐去姓名），以及一张班级座位图。",
            ),
        ],
        "quiz": [],
    },
    {
        "slug": "talking-with-parents",
        "title": "与家长谈孩子的心理状况",
        "summary": "专家讲座：如何向家长传递担忧而不引发对立，如何共同制定支持计划。",
        "audience": "all",
        "format": "lecture",
        "hours": "2.0",
        "stages": [],
        "sections": [
            _text(
                "讲座要点",
                "先讲孩子的优点和老师看到的事实，再讲担忧；用“我们一起”代替“你们家长应该”。",
                "家长否认或情绪激动时，给对方时间，约定下一次沟通，而不是当场争辩。",
                "涉及转介就医时，说明学校能提供的支持和后续衔接，减少家长的病耻感。",
            ),
            _case(
                "情景演练：一次不顺利的电话",
                "班主任打电话告诉家长孩子最近常在课上流泪，家长回答：“孩子好好的，是不是老师对他有意见？”",
                ["这时最需要回应的是家长的哪种情绪？", "下一句话你会怎么说？"],
                "家长的防御往往来自担心和自责。先回应“您一定也很关心他”，再把焦点放回孩子身上，约一个双方都方便的时间面谈。",
            ),
        ],
        "quiz": [],
    },
    {
        "slug": "group-counselling-practice",
        "title": "团体心理辅导的组织与实施",
        "summary": "团体辅导体验：亲身参与一次完整的成长团体，学习团体的设计、带领与评估。",
        "audience": "psych",
        "format": "group",
        "hours": "4.0",
        "stages": [Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR, Stage.VOCATIONAL],
        "sections": [
            _text(
                "体验流程",
                "参加者以成员身份完整经历“相识—信任—探索—整合—告别”五个阶段的浓缩团体，每个阶段后由带领者讲解设计意图。",
                "最后一小时讨论校内团体的招募、知情同意、保密约定和效果评估。",
            ),
            _text("注意事项", "请穿便于活动的服装。活动中的个人分享仅限团体内部，不录音、不拍照。"),
        ],
        "quiz": [],
    },
    {
        "slug": "left-behind-children",
        "title": "关爱留守儿童：学校能做的事",
        "summary": "专家讲座：了解留守儿童常见的心理需求，建立结对关爱和亲子联络机制。",
        "audience": "all",
        "format": "lecture",
        "hours": "2.0",
        "stages": [Stage.PRIMARY, Stage.JUNIOR],
        "sections": [
            _text(
                "讲座要点",
                "留守儿童并不等于问题儿童，但他们更需要稳定的成人联结。学校可以为每名留守儿童确定一位联系教师，定期谈心并记录。",
                "利用节假日组织亲子视频通话，帮助外出务工的父母了解孩子在校情况。",
                "关注寄宿生的睡眠、饮食和周末去向，与监护人保持联系。",
            ),
        ],
        "quiz": [],
    },
    {
        "slug": "mental-health-lesson-research",
        "title": "心理健康课教研：同课异构与课例研讨",
        "summary": "教研活动：围绕同一课题的两节课进行观课、议课，提炼心理健康课的教学要点。",
        "audience": "psych",
        "format": "research",
        "hours": "3.0",
        "stages": [Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR],
        "sections": [
            _text(
                "活动安排",
                "两位教师分别执教“认识我的情绪”一课，参加者分组观察学生参与度、提问方式和活动设计。",
                "议课环节每组用“一个亮点、一个建议、一个疑问”进行反馈，最后由教研员总结。",
            ),
        ],
        "quiz": [],
    },
    {
        "slug": "leaders-school-system",
        "title": "学校领导如何搭建心理健康工作体系",
        "summary": "面向校级领导：从制度、队伍、场地、课程到预警，梳理学校心理健康工作的整体框架。",
        "audience": "leaders",
        "format": "online",
        "hours": "1.5",
        "stages": [],
        "sections": [
            _text(
                "一张责任清单",
                "校长是学校心理健康工作的第一责任人。分管领导统筹，心理教师提供专业支持，班主任和任课教师负责日常观察，年级组负责信息汇总。",
            ),
            _text(
                "四级预警网络",
                "学校、年级、班级、个人四级预警网络的关键在于信息能够及时向上流动、支持能够及时向下到达。建议每学期至少开展一次预警演练。",
            ),
            _case(
                "案例：一所乡镇中学的起步",
                "某乡镇中学只有一名兼职心理教师。校长先把辅导室从仓库改造成温馨的小房间，再利用每周班会时间开设心理课，并请县里的专职教师每月来校督导。",
                [
                    "这所学校的做法中，哪一步投入最小、见效最快？",
                    "您的学校目前最薄弱的环节是什么？",
                ],
                "起步阶段不必求全。先保证有人、有地方、有时间，再逐步完善课程和预警制度。",
            ),
        ],
        "quiz": [
            _q(
                "学校心理健康工作的第一责任人是：",
                "心理教师",
                "分管副校长",
                "*校长",
                "班主任",
            ),
            _q(
                "按照文中的责任清单，下列分工正确的有：",
                "*分管领导负责统筹",
                "年级组负责为学生作心理诊断",
                "*心理教师提供专业支持",
                "*班主任和任课教师负责日常观察",
            ),
            _q(
                "在学校心理健康工作体系中，负责信息汇总的是：",
                "每位任课教师各自",
                "学生会",
                "*年级组",
                "校医室",
            ),
            _q(
                "四级预警网络中的“四级”是指：",
                "市、区、校、班",
                "校长、教师、家长、学生",
                "一般、关注、重点、危机",
                "*学校、年级、班级、个人",
            ),
            _q(
                "四级预警网络的关键在于：",
                "每个学生每月做一次心理测评",
                "*信息能及时向上流动，支持能及时向下到达",
                "由心理教师一人负责全部个案",
                "预警信息只保存在校长手中",
            ),
            _q(
                "文中建议学校至少多久开展一次预警演练？",
                "每学年一次",
                "每月一次",
                "*每学期一次",
                "发生危机事件之后再演练",
            ),
            _q(
                "案例中的乡镇中学在起步阶段做了哪些事？",
                "先采购了一套昂贵的心理测评系统",
                "*把仓库改造成温馨的辅导室",
                "*利用每周班会时间开设心理课",
                "一次招聘了三名专职心理教师",
                "*请县里的专职教师每月来校督导",
            ),
            _q(
                "条件有限的学校起步时，最应当优先保证的是：",
                "*有人、有地方、有时间",
                "各项制度文件先全部写好",
                "购置高端的放松设备",
                "等条件完全具备后再开展工作",
                explanation="起步阶段不必求全，先有人、有地方、有时间，再逐步完善课程和预警制度。",
            ),
            _q(
                "关于学校心理健康工作体系，下列说法正确的有：",
                "心理健康工作只是心理教师一个人的事",
                "*起步阶段不必求全，可以逐步完善",
                "预警网络建好之后就不需要再演练",
                "*班主任和任课教师也承担日常观察的责任",
            ),
        ],
    },
    {
        "slug": "teacher-self-care",
        "title": "教师的情绪调适与自我关怀",
        "summary": "照顾好自己，才能更好地照顾学生：识别职业倦怠，学习简便的放松方法。",
        "audience": "all",
        "format": "online",
        "hours": "1.0",
        "stages": [],
        "sections": [
            _text(
                "职业倦怠的三个信号",
                "情绪耗竭：下班后仍感到疲惫、难以放松；去个性化：对学生变得冷淡、不耐烦；成就感降低：觉得自己的工作没有意义。",
            ),
            _text(
                "三分钟呼吸练习",
                "找一个安静的角落坐下，双脚着地。吸气四拍，停两拍，呼气六拍，重复十次。注意力跑开时，温和地把它带回呼吸上。",
            ),
            _text(
                "日常的自我关怀",
                "自我关怀不是自私，而是让自己能够长久地做好工作。保持规律的作息和适度的运动；给下班设一个小小的“结束仪式”，比如整理好桌面、走一段路，把工作留在学校。",
                "遇到困难时，找信任的同事、朋友或家人说一说。学校的心理教师、工会和教师发展中心也可以提供支持。",
                "如果情绪低落、失眠或烦躁持续两周以上，已经影响到工作和生活，请及时寻求专业帮助：可以拨打心理援助热线，或到医院的心理科、精神科就诊。求助是负责任的表现，不是软弱。",
            ),
        ],
        "quiz": [
            _q(
                "文中提到的职业倦怠的三个信号是：",
                "对新课程感到好奇",
                "*情绪耗竭",
                "*去个性化",
                "偶尔因为天气不好而心情低落",
                "*成就感降低",
            ),
            _q(
                "下班后仍感到疲惫、难以放松，属于职业倦怠中的：",
                "去个性化",
                "*情绪耗竭",
                "成就感降低",
                "正常的工作投入",
            ),
            _q(
                "一位教师最近对学生越来越冷淡、不耐烦，这最符合哪个信号？",
                "情绪耗竭",
                "成就感降低",
                "*去个性化",
                "以上都不是",
            ),
            _q(
                "“觉得自己的工作没有意义”对应的信号是：",
                "*成就感降低",
                "去个性化",
                "情绪耗竭",
                "注意力不集中",
            ),
            _q(
                "三分钟呼吸练习的节奏是：",
                "吸气两拍，呼气两拍",
                "吸气六拍，停四拍，呼气两拍",
                "*吸气四拍，停两拍，呼气六拍",
                "尽量快速地连续深呼吸",
                explanation="呼气比吸气长，有助于身体放松下来。",
            ),
            _q(
                "呼吸练习中注意力跑开时，应当：",
                "立即停止练习",
                "责备自己不够专注",
                "换一个更难的练习",
                "*温和地把注意力带回呼吸上",
                explanation="走神很正常，练习的正是一次次温和地回来。",
            ),
            _q(
                "下列哪些是文中建议的日常自我关怀做法？",
                "*保持规律作息和适度运动",
                "把没批完的作业都带回家，熬夜完成",
                "*下班时用一个小小的“结束仪式”把工作留在学校",
                "*遇到困难时找信任的人说一说",
            ),
            _q(
                "情绪低落、失眠持续两周以上，并且已经影响工作和生活时，恰当的做法是：",
                "再坚持一段时间，放假了自然会好",
                "*及时寻求专业帮助，比如拨打心理援助热线或到医院心理科就诊",
                "不让任何人知道，以免被同事议论",
                "多喝咖啡提神，撑过这段时间",
                explanation="求助是负责任的表现，不是软弱。",
            ),
            _q(
                "关于教师的自我关怀，下列说法正确的是：",
                "自我关怀是自私的表现",
                "向别人求助说明自己能力不足",
                "*照顾好自己，才能更好地照顾学生",
                "只要学生好，教师累一点没关系",
            ),
        ],
    },
]

# Offline sessions: (module slug, title, month, day, hour, place, trainer, capacity, school-only)
PAST_SESSIONS = [
    (
        "class-meeting-design",
        "主题班会设计工作坊（春季）",
        3,
        15,
        14,
        "市教师发展中心 302 室",
        "周敏",
        60,
    ),
    ("talking-with-parents", "家校沟通专题讲座", 4, 10, 15, "市教师发展中心报告厅", "陈立新", 200),
    (
        "group-counselling-practice",
        "团体心理辅导体验营",
        5,
        18,
        9,
        "市青少年心理辅导中心",
        "刘思远",
        40,
    ),
    (
        "left-behind-children",
        "留守儿童关爱专题讲座",
        9,
        20,
        14,
        "市教师发展中心报告厅",
        "黄秋云",
        200,
    ),
    (
        "mental-health-lesson-research",
        "心理健康课同课异构教研",
        10,
        25,
        9,
        "市第一实验小学",
        "吴静",
        80,
    ),
    (
        "class-meeting-design",
        "主题班会设计工作坊（秋季）",
        11,
        8,
        14,
        "市教师发展中心 302 室",
        "周敏",
        60,
    ),
]
UPCOMING_SESSIONS = [
    (
        "talking-with-parents",
        "家校沟通专题讲座（下期）",
        10,
        15,
        "市教师发展中心报告厅",
        "陈立新",
        200,
    ),
    (
        "group-counselling-practice",
        "团体心理辅导体验营（下期）",
        18,
        9,
        "市青少年心理辅导中心",
        "刘思远",
        40,
    ),
    (
        "left-behind-children",
        "留守儿童关爱：结对帮扶经验交流",
        25,
        14,
        "市教师发展中心报告厅",
        "黄秋云",
        150,
    ),
]


def _stream(items):
    return json.dumps(
        [{"type": kind, "value": value, "id": f"demo-{i}"} for i, (kind, value) in enumerate(items)]
    )


def _quiz(questions, slug):
    data = []
    for i, q in enumerate(questions):
        data.append(
            {
                "type": "question",
                "id": f"{slug}-q{i}",
                "value": {
                    "question": q["question"],
                    "kind": q["kind"],
                    "choices": [
                        {"type": "item", "id": f"{slug}-q{i}-c{j}", "value": c}
                        for j, c in enumerate(q["choices"])
                    ],
                    "explanation": q["explanation"],
                },
            }
        )
    return json.dumps(data)


def _pages(out):
    from portal.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        out("  没有首页，跳过培训栏目。")
        return None, {}
    index = TrainingIndexPage.objects.first()
    if index is None:
        index = home.add_child(
            instance=TrainingIndexPage(
                title="教师培训",
                slug="training",
                show_in_menus=True,
                intro="面向心理健康教育教师、班主任和全体教师的系统培训。线上模块随时学习，线下讲座、工作坊和教研活动可在“我的学习”中报名，完成后自动计入年度学时。",
            )
        )
    if not index.show_in_menus:
        # Training is one of the portal's main sections: it belongs in the main navigation.
        index.show_in_menus = True
        index.save_revision().publish()
    modules = {}
    for spec in MODULES:
        module = TrainingModulePage.objects.filter(slug=spec["slug"]).first()
        if module is None:
            module = TrainingModulePage(
                title=spec["title"],
                slug=spec["slug"],
                summary=spec["summary"],
                audience=spec["audience"],
                format=spec["format"],
                hours=Decimal(spec["hours"]),
                stages=",".join(spec["stages"]),
                sections=_stream(spec["sections"]),
                quiz=_quiz(spec["quiz"], spec["slug"]),
                pass_mark=80,
            )
            index.add_child(instance=module)
            module = TrainingModulePage.objects.get(pk=module.pk)
        modules[spec["slug"]] = module
    out(f"  培训模块 {len(modules)} 个")
    return index, modules


def _session(*, module, title, **values):
    """The session of ``module`` called ``title``, added through the service when missing."""
    session = TrainingSession.objects.filter(module=module, title=title).first()
    return session or session_add(module=module, title=title, **values)


def _sessions(out, modules):
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    past, upcoming = [], []
    for year in (today.year - 1, today.year):
        for slug, title, month, day, hour, place, trainer, capacity in PAST_SESSIONS:
            start = datetime.datetime(year, month, day, hour, 0, tzinfo=tz)
            if start.date() >= today:
                continue
            session = _session(
                module=modules[slug],
                title=f"{year} 年{title}",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=3),
                place=place,
                trainer=trainer,
                capacity=capacity,
            )
            past.append(session)
    for slug, title, days, hour, place, trainer, capacity in UPCOMING_SESSIONS:
        start = datetime.datetime.combine(
            today + datetime.timedelta(days=days), datetime.time(hour), tzinfo=tz
        )
        session = _session(
            module=modules[slug],
            title=title,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            place=place,
            trainer=trainer,
            capacity=capacity,
        )
        upcoming.append(session)
    out(f"  线下场次：已举办 {len(past)} 场，即将举办 {len(upcoming)} 场")
    return past, upcoming


def _targets(out):
    # Targets are per school year (HoursTarget.year = its first calendar year).
    this_year = SchoolYear.current().first_year
    for year in (this_year - 1, this_year):
        for role, hours in TARGETS.items():
            # Only a missing target is set: one the bureau changed stays.
            if not HoursTarget.objects.filter(year=year, role=role).exists():
                target_set(year=year, role=role, hours=Decimal(hours))
    out("  学年学时目标：心理教师 24，班主任 12，其他教职工 6")


def _code(rng):
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(rng.choice(alphabet) for _ in range(10))


def _ledger(out, modules, past_sessions):
    if HoursEntry.objects.exists():
        out("  学时台账已有记录，跳过。")
        return
    rng = random.Random(SEED)
    today = timezone.localdate()
    staff: dict[int, tuple] = {}
    for m in (
        Membership.objects.active()
        .exclude(role__in=BUREAU_ROLES)
        .exclude(school__isnull=True)
        .select_related("user", "school")
        .order_by("school__code", "user__username")
    ):
        staff.setdefault(m.user_id, (m.user, m.school, set()))[2].add(m.role)
    if not staff:
        out("  没有教职工，跳过学时台账。")
        return
    admins = {
        m.school_id: m.user
        for m in Membership.objects.active().filter(role=Role.SCHOOL_ADMIN).select_related("user")
    }
    online = [m for m in modules.values() if m.is_online]
    codes: set[str] = set()
    entries = []
    total = len(staff)
    for done, (user, school, roles) in enumerate(staff.values(), start=1):
        if user.username == "teacher":
            continue  # the demo teacher's history is written by hand below
        engagement = rng.uniform(0.15, 1.0)
        if Role.PSYCH_TEACHER in roles:
            engagement = min(1.0, engagement + 0.3)
        remaining_online = list(online)
        rng.shuffle(remaining_online)
        for session in past_sessions:
            if rng.random() < engagement * 0.6:
                code = _code(rng)
                while code in codes:
                    code = _code(rng)
                codes.add(code)
                admin = admins.get(school.pk)
                entries.append(
                    credit_check(
                        teacher=user,
                        # the attendance rule: the admin records a colleague of their school
                        school=attendance_check(session=session, teacher=user, recorded_by=admin),
                        hours=session.module.hours,
                        source=HoursEntry.Source.SESSION,
                        module=session.module,
                        session=session,
                        credited_on=timezone.localdate(session.ends_at),
                        recorded_by=admin,
                        certificate_code=code,
                    )
                )
        for module in remaining_online:
            if rng.random() < engagement * 0.7:
                school_year = SchoolYear.current()
                school_year = rng.choice([SchoolYear(school_year.first_year - 1), school_year])
                first, last = school_year.start, min(school_year.end, today)
                day = first + datetime.timedelta(days=rng.randrange((last - first).days + 1))
                code = _code(rng)
                while code in codes:
                    code = _code(rng)
                codes.add(code)
                entries.append(
                    credit_check(
                        teacher=user,
                        school=school,
                        hours=module.hours,
                        source=HoursEntry.Source.ONLINE,
                        module=module,
                        credited_on=day,
                        recorded_by=user,
                        certificate_code=code,
                    )
                )
        out.every("教职工学时", done, total, every=50)
    # Every line was made by the ledger's crediting rule (``credit_check``; session lines also
    # by the attendance rule): one bulk write through the service, without 1,000 messages.
    credits_add_many(entries=entries)
    out(f"  学时记录 {len(entries)} 条")


def _demo_teacher(out, modules, past_sessions, upcoming):
    from accounts.models import User

    teacher = User.objects.filter(username="teacher").first()
    if teacher is None:
        out("  没有演示账户 teacher，跳过个人学习记录。")
        return
    membership = Membership.objects.active().filter(user=teacher).select_related("school").first()
    if membership is None or HoursEntry.objects.filter(teacher=teacher).exists():
        return
    school = membership.school
    admin = (
        Membership.objects.active()
        .filter(school=school, role=Role.SCHOOL_ADMIN)
        .select_related("user")
        .first()
    )
    recorder = admin.user if admin else None
    today = timezone.localdate()
    # Completed online module: every section studied, a failed and a passed attempt; the
    # pass credits the module (the service's completion rule and certificate message).
    self_care = modules["teacher-self-care"]
    for block in self_care.sections:
        section_complete(teacher=teacher, module=self_care, section_id=block.id)
    quiz = list(self_care.quiz)
    right = {b.id: [i for i, c in enumerate(b.value["choices"]) if c["correct"]] for b in quiz}
    wrong = {
        b.id: [next(i for i, c in enumerate(b.value["choices"]) if not c["correct"])] for b in quiz
    }
    # A first try with the last three questions wrong, then a pass.
    first = {b.id: (right if n < len(quiz) - 3 else wrong)[b.id] for n, b in enumerate(quiz)}
    quiz_submit(teacher=teacher, module=self_care, answers=first)
    quiz_submit(teacher=teacher, module=self_care, answers=right)
    # One session this year and two last year, attendance recorded by the school admin.
    this_year = [s for s in past_sessions if s.starts_at.year == today.year]
    last_year = [s for s in past_sessions if s.starts_at.year == today.year - 1]
    if recorder is not None:
        for session in this_year[:1] + last_year[:2]:
            attendance_record(session=session, teachers=[teacher], recorded_by=recorder)
    # An online module in progress: one section of three studied.
    crisis = modules["recognising-crisis-signs"]
    section_complete(teacher=teacher, module=crisis, section_id=next(iter(crisis.sections)).id)
    if upcoming:
        session_register(teacher=teacher, session=upcoming[0])
    external_submit(
        teacher=teacher,
        title="中小学教师心理健康教育能力提升专题",
        provider="国家智慧教育公共服务平台",
        completed_on=today - datetime.timedelta(days=12),
        hours=Decimal("2.0"),
        evidence=ContentFile(_pdf("演示证书"), name="demo-certificate.pdf"),
    )
    out("  演示账户 teacher：已完成 1 个线上模块、3 场线下培训，1 个模块学习中，1 项校外培训待审核")


def _pdf(label: str) -> bytes:
    """A tiny valid one-page PDF standing in for an uploaded certificate."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _externals(out):
    """A couple of external submissions at the demo school: one approved, one pending."""
    from accounts.models import User

    if ExternalTraining.objects.exclude(teacher__username="teacher").exists():
        return
    today = timezone.localdate()
    for username, title, hours, approve in (
        ("class_teacher", "班主任心理健康教育专项研修", "3.0", True),
        ("psych_teacher", "学校心理危机干预实务（线上研修）", "6.0", False),
    ):
        user = User.objects.filter(username=username).first()
        membership = (
            Membership.objects.active().filter(user=user).select_related("school").first()
            if user
            else None
        )
        if membership is None:
            continue
        submission = external_submit(
            teacher=user,
            title=title,
            provider="国家智慧教育公共服务平台",
            completed_on=today - datetime.timedelta(days=30),
            hours=Decimal(hours),
            evidence=ContentFile(_pdf(title), name="certificate.pdf"),
        )
        if approve:
            admin = (
                Membership.objects.active()
                .filter(school=membership.school, role=Role.SCHOOL_ADMIN)
                .select_related("user")
                .first()
            )
            if admin:
                external_decide(submission=submission, user=admin.user, approve=True)
    out("  校外培训申报：已认定与待审核各一项")


def load(*, out, rng):
    _index, modules = _pages(out)
    _targets(out)
    if not modules:
        return
    past, upcoming = _sessions(out, modules)
    ledger_was_empty = not HoursEntry.objects.exists()
    _ledger(out, modules, past)
    if ledger_was_empty:
        _demo_teacher(out, modules, past, upcoming)
        _externals(out)
