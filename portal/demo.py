"""Demo content for the portal shell: site settings, home page, about and contacts pages.

All text is written for the fictional city of 临澜市; every phone number is fictional
except the national emergency (120), police (110) and psychological-aid (12356) numbers.
"""

from wagtail.models import Page, Site

from portal.services import site_address_set

from .models import ContactsPage, HomePage, PortalSettings, StandardPage

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
