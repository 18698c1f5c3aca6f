"""Give existing policy documents their kind by the rule the oversight figures used before
there was a field: a title with 方案 or 计划 is a work plan; with 制度, the mental-health
status reporting system when it speaks of 报告, else the health education system; any other
policy document is “其他”. Documents of other resource types stay without a kind."""

from django.db import migrations
from django.db.models import Q

POLICY = "policy"


def classify(apps, schema_editor):
    Document = apps.get_model("resources", "XinyuDocument")
    policies = Document.objects.filter(resource_type=POLICY, policy_kind="")
    system = Q(title__contains="制度")
    plan = Q(title__contains="方案") | Q(title__contains="计划")
    # A title naming both (e.g. “制度建设工作方案”) is a plan, as the old rule counted it.
    policies.filter(plan).update(policy_kind="work_plan")
    policies.filter(system, title__contains="报告").update(policy_kind="report_system")
    policies.filter(system).update(policy_kind="health_system")
    policies.update(policy_kind="other")


def unclassify(apps, schema_editor):
    Document = apps.get_model("resources", "XinyuDocument")
    Document.objects.exclude(policy_kind="").update(policy_kind="")


class Migration(migrations.Migration):
    dependencies = [("resources", "0004_document_policy_kind")]

    operations = [migrations.RunPython(classify, unclassify)]
