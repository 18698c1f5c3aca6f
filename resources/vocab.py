"""Vocabularies of the resource library."""

from django.db import models


class ResourceType(models.TextChoices):
    LESSON_PLAN = "lesson_plan", "教案"
    SLIDES = "slides", "课件"
    WORKSHEET = "worksheet", "学习单"
    POSTER = "poster", "海报"
    PARENT_HANDBOOK = "parent_handbook", "家长手册"
    POLICY = "policy", "政策文件"
    VIDEO = "video", "视频"
    OTHER = "other", "其他"


class Audience(models.TextChoices):
    PUBLIC = "public", "公开"
    TEACHERS = "teachers", "仅限教师"


class GuideTopic(models.TextChoices):
    STUDY_PRESSURE = "study_pressure", "学习压力"
    COMMUNICATION = "communication", "亲子沟通"
    EMOTIONS = "emotions", "情绪管理"
    SCREENS = "screens", "手机与网络"
    CRISIS_SIGNS = "crisis_signs", "危机信号识别"
    DIVORCE = "divorce", "父母离异"
    LEFT_BEHIND = "left_behind", "留守儿童"
    SCHOOL_REFUSAL = "school_refusal", "厌学与拒学"
    SLEEP = "sleep", "睡眠"
    BULLYING = "bullying", "校园欺凌"
    GROWTH = "growth", "成长特点"
    TRANSITION = "transition", "入学与升学适应"
    ROMANCE = "romance", "青春期情感"
    FAMILY = "family", "家庭关系"
    BEHAVIOUR = "behaviour", "行为习惯"
    SOCIAL = "social", "同伴交往"
    LEARNING = "learning", "学习习惯与专注"
    HOME_SCHOOL = "home_school", "家校共育"


class NoticeKind(models.TextChoices):
    NOTICE = "notice", "通知公告"
    NEWS = "news", "工作动态"
    PUBLICITY = "publicity", "宣传材料"


class PolicyStatus(models.TextChoices):
    IN_FORCE = "in_force", "现行有效"
    AMENDED = "amended", "已修订"
    REPEALED = "repealed", "已废止"


class PolicyKind(models.TextChoices):
    """What a policy document is (R-5): the bureau's oversight counts a school's work plan
    and its two systems by this, never by guessing from the title."""

    WORK_PLAN = "work_plan", "工作方案 / 工作计划"
    HEALTH_SYSTEM = "health_system", "学生身心健康教育制度"
    REPORT_SYSTEM = "report_system", "心理健康状况报告制度"
    OTHER = "other", "其他"


# The school systems R-5 asks for.
SYSTEM_KINDS = (PolicyKind.HEALTH_SYSTEM, PolicyKind.REPORT_SYSTEM)


class PosterColour(models.TextChoices):
    """The main colour of a generated notice-board poster (resources/posters/)."""

    TEAL = "teal", "青绿"
    BLUE = "blue", "湖蓝"
    ORANGE = "orange", "暖橙"
    PURPLE = "purple", "淡紫"
    GREEN = "green", "草绿"
