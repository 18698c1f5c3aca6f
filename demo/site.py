"""Demo content for the portal shell: site settings, home page, about and contacts pages.

All text is written for the fictional city of 临澜市; every phone number is fictional
except the national emergency (120), police (110) and psychological-aid (12356) numbers.
"""

from wagtail.models import Page, Site

from portal.models import ContactsPage, HomePage, PortalSettings, StandardPage
from portal.selectors import EDITOR_GUIDE_SLUG
from portal.services import site_address_set

BUREAU = "临澜市教育局"

ABOUT_BODY = [
    ("heading", {"text": "平台做什么", "level": "h2"}),
    (
        "paragraph",
        "<p>心育平台是临澜市教育局为全市中小学、幼儿园搭建的心理健康教育服务平台。"
        "平台把分散在各校的课程、教案、家长指导材料和教师培训集中到一处，"
        "让老师备课有依据、家长育儿有参考、学校工作有记录。</p>"
        "<p>公众和家长无需注册即可阅读家长指导、公开课程与宣传材料；"
        "教师登录后可以参加线上培训、查看本人学时、下载仅限教师使用的资料；"
        "学校管理人员在管理后台维护本校教职工、班级、值班与事件报告等工作记录。</p>",
    ),
    ("heading", {"text": "工作目标", "level": "h2"}),
    (
        "paragraph",
        "<ul>"
        "<li>课程全覆盖：每所学校按学段开足心理健康课，开展生命教育与挫折教育。</li>"
        "<li>测评全覆盖：定期开展心理健康测评，结果只在需要知道的人之间流转。</li>"
        "<li>建档全覆盖：为需要关注的学生建立“一生一策”心理成长档案。</li>"
        "<li>培训常态化：每位教师每年完成规定学时的心理健康教育培训。</li>"
        "</ul>",
    ),
    (
        "quote",
        {
            "text": "每一个孩子都值得被看见、被倾听、被温柔而坚定地支持。",
            "source": "临澜市心理健康教育工作领导小组",
        },
    ),
    ("heading", {"text": "个人信息保护", "level": "h2"}),
    (
        "paragraph",
        "<p>学生心理测评结果、成长档案和事件报告属于未成年人敏感个人信息，"
        "只有经授权的本校教师和管理人员能够查看，每一次查看都会留下记录；"
        "这些信息不会出现在网站搜索、公开页面或任何统计明细中。</p>",
    ),
]

# The back office's 帮助 → 编辑指南 (portal/wagtail_hooks.py) opens this page.
EDITOR_GUIDE_BODY = [
    (
        "paragraph",
        '<p>本指南写给在<a href="/admin/">管理后台</a>工作的市教育局和学校工作人员：'
        "发布家长指导、上传教案等文档、登记学时，以及谁负责审核什么。"
        "后台只显示您的角色和学校可以使用的栏目；找不到某个栏目，说明该工作由其他角色负责。</p>",
    ),
    ("heading", {"text": "谁做什么、谁审核", "level": "h2"}),
    (
        "paragraph",
        "<ul>"
        "<li><b>市教育局管理员</b>：编辑并发布全站页面（课程与教案、家长指导、政策文件、通知公告），"
        "维护站点设置（主办单位、热线、紧急联系人）和搜索推荐。页面保存为草稿后，"
        "由市教育局管理员确认内容无误再点“发布”，发布即对公众可见。</li>"
        "<li><b>学校管理员、学校负责人</b>：在“文档”的“学校资料 · 本校”文件夹上传本校的工作计划和制度；"
        "维护本校教职工、班级与值班表；审核本校教师申报的校外培训学时（通过即计入学时，不通过须写明原因）。</li>"
        "<li><b>心理教师、年级组长、班主任</b>：只处理与本人工作范围相关的测评、关注与事件记录，"
        "不编辑公开页面。</li>"
        "<li><b>市局审计员</b>：只读查看各校汇总数据和访问日志，不做修改。</li>"
        "</ul>",
    ),
    ("heading", {"text": "发布一篇家长指导", "level": "h2"}),
    (
        "paragraph",
        "<ol>"
        "<li>左侧菜单点“页面”，进入“家长指导”栏目，点“添加子页面”。</li>"
        "<li>填写标题、适用年龄段和正文。正文用小标题分段，每段讲清一件事；"
        "“何时需要求助”一栏务必写明可拨打的热线。</li>"
        "<li>在“推广”标签页填写页面描述（一两句话，显示在搜索结果和分享卡片上）。</li>"
        "<li>点底部的“保存草稿”，再点“预览”在手机宽度下检查排版。</li>"
        "<li>确认无误后点“发布”。如果页面顶部出现红色提示，说明有必填项未填或格式有误："
        "提示会写明是哪个标签页的哪个字段，改正后再发布。</li>"
        "</ol>",
    ),
    ("heading", {"text": "上传一份教案或课件", "level": "h2"}),
    (
        "paragraph",
        "<ol>"
        "<li>左侧菜单点“文档”，再点“添加文档”。学校工作人员请选择本校文件夹。</li>"
        "<li>选择 Word、PowerPoint 或 PDF 文件，填写标题、学段、主题和适用对象；"
        "仅供教师使用的材料把“面向对象”选为“仅限教师”，并放在“教师专用资料”文件夹中。</li>"
        "<li>上传后打开对应的课时页面，在“补充材料”中选择刚上传的文档，保存并发布课时页面。</li>"
        "<li>学生个人信息、测评结果和事件记录不得以文档形式上传。</li>"
        "</ol>",
    ),
    ("heading", {"text": "登记培训学时", "level": "h2"}),
    (
        "paragraph",
        "<p>线上模块由教师学完并通过自测后自动计入学时并生成证书；线下培训在“培训场次”中登记签到后计入。"
        "校外培训由教师在“我的学习”中申报，学校管理员在后台审核。登记有误时不要删除记录，"
        "请使用“冲销”并写明原因，证书会随之失效。</p>",
    ),
    ("heading", {"text": "遇到问题", "level": "h2"}),
    (
        "paragraph",
        "<p>忘记密码或需要开通账号，请联系本校管理员；栏目权限或页面内容问题，"
        "请联系市教育局基础教育科。后台左下角“帮助”菜单可随时回到本指南。</p>",
    ),
]

CONTACT_GROUPS = [
    {
        "heading": "临澜市学生心理健康教育工作领导小组",
        "intro": "领导小组统筹全市学生心理健康教育工作，办公室设在市教育局基础教育科。",
        "contacts": [
            {"role": "组长", "name": "周文华", "phone": "", "note": "市教育局局长"},
            {"role": "副组长", "name": "钱立群", "phone": "", "note": "市教育局分管副局长"},
            {
                "role": "办公室主任",
                "name": "孙一帆",
                "phone": "0000-8601001",
                "note": "基础教育科科长",
            },
            {
                "role": "成员单位",
                "name": "",
                "phone": "",
                "note": "基础教育科、体卫艺科、安全科、教师发展中心",
            },
        ],
    },
    {
        "heading": "专业支持与转介机构",
        "intro": "学生出现严重心理危机时，学校应第一时间联系家长，并按转介流程联系专业机构。",
        "contacts": [
            {
                "role": "临澜市未成年人心理健康指导中心",
                "name": "",
                "phone": "0000-8602120",
                "note": "工作日 8:30–17:30",
            },
            {
                "role": "临澜市第三人民医院心理科",
                "name": "",
                "phone": "0000-8603300",
                "note": "门诊、转介接收",
            },
            {"role": "全国心理援助热线", "name": "", "phone": "12356", "note": "24 小时"},
        ],
    },
    {
        "heading": "紧急求助",
        "intro": "遇到自伤、伤人等紧急情况，请立即拨打以下电话，并同时报告学校值班领导。",
        "contacts": [
            {"role": "急救", "name": "", "phone": "120", "note": ""},
            {"role": "报警", "name": "", "phone": "110", "note": ""},
            {"role": "市教育局总值班室", "name": "", "phone": "0000-8601110", "note": "24 小时"},
        ],
    },
]


def _home(out):
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        home = root.add_child(
            instance=HomePage(
                title="心育平台",
                slug="xinyu-home",
                seo_title="心育平台 · 临澜市学生心理健康教育",
                search_description="临澜市教育局心理健康教育平台：课程与教案、家长指导、教师培训。",
                intro="临澜市中小学、幼儿园心理健康教育服务平台。",
            )
        )
        out("  首页已创建")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True
        )
    if site.root_page_id != home.pk:
        site.root_page = home
        site.site_name = "心育平台"
        site.save()
    # Sitemaps and feeds link to the portal's public address, not localhost.
    site_address_set()
    # Wagtail's placeholder "Welcome" page is not part of our tree.
    for page in root.get_children().exclude(pk=home.pk):
        page.delete()
    return home, site


def editor_guide_ensure(*, home, out=lambda msg: None) -> StandardPage:
    """The editors' guide page (slug ``editor-guide``), created once and kept out of menus."""
    guide = StandardPage.objects.child_of(home).filter(slug=EDITOR_GUIDE_SLUG).first()
    if guide is None:
        guide = home.add_child(
            instance=StandardPage(
                title="管理后台编辑指南",
                slug=EDITOR_GUIDE_SLUG,
                show_in_menus=False,
                intro="发布家长指导、上传教案、登记学时，以及谁负责审核什么。",
                search_description="心育平台管理后台的使用说明：发布页面、上传文档、登记学时与审核分工。",
                body=EDITOR_GUIDE_BODY,
            )
        )
        out("  编辑指南页面已创建")
    return guide


def load(*, out, rng):
    home, site = _home(out)

    about = StandardPage.objects.child_of(home).filter(slug="about").first()
    if about is None:
        about = home.add_child(
            instance=StandardPage(
                title="关于心育平台",
                slug="about",
                show_in_menus=True,
                intro="临澜市学生心理健康教育工作的线上阵地：课程、指导、培训与工作记录。",
                search_description="心育平台的建设目的、服务对象与个人信息保护说明。",
                body=ABOUT_BODY,
            )
        )
        out("  “关于”页面已创建")

    contacts = ContactsPage.objects.child_of(home).first()
    if contacts is None:
        contacts = home.add_child(
            instance=ContactsPage(
                title="领导小组与联系方式",
                slug="contacts",
                show_in_menus=True,
                intro="心理危机不等人。以下电话请家长和老师保存在手机里。",
                search_description="临澜市学生心理健康教育领导小组、专业机构与紧急求助电话。",
                groups=[("group", group) for group in CONTACT_GROUPS],
            )
        )
        out("  联系方式页面已创建")

    editor_guide_ensure(home=home, out=out)

    portal = PortalSettings.for_site(site)
    if not portal.counselling_hotline:
        portal.bureau_name = BUREAU
        portal.portal_name = "心育平台"
        portal.counselling_hotline = "0000-8602120"
        portal.counselling_hours = "工作日 8:30–17:30，寒暑假另行通知"
        portal.counselling_mailbox = "xinyu@example.cn"
        portal.centre_name = "临澜市未成年人心理健康指导中心"
        portal.centre_phone = "0000-8602120"
        portal.centre_address = "临澜市城关街道文昌路 18 号"
        portal.contacts_page = contacts
        portal.footer_note = "本站为演示站点，所有学校、人员与电话均为虚构。"
        portal.save()
        out("  站点设置已填写")

    if not home.body:
        home.body = [
            (
                "hero",
                {
                    "title": "让每个孩子都被看见",
                    "subtitle": "临澜市中小学、幼儿园心理健康教育平台：课程与教案、家长指导、教师培训，一站查找。",
                    "primary_page": about,
                    "primary_text": "了解平台",
                    "secondary_page": contacts,
                    "secondary_text": "求助电话",
                },
            ),
            (
                "featured",
                {
                    "heading": "从这里开始",
                    "intro": "",
                    "pages": [about, contacts],
                },
            ),
        ]
        home.save_revision().publish()
        out("  首页栏目已布置")
