"""Publication's URLs: the public register (its paths are a contract relied on outside the
service), and the staff pages that publish. config/urls.py mounts the public ones at the
site's root; approvals/urls.py adds the staff ones to the approvals namespace."""

from django.urls import path

from approvals.publication.feeds import DecisionsFeed, ForwardPlanFeed
from approvals.publication.views import forward_plan, public, staff
from approvals.publication.views import forward_plan_staff as staff_plan

public_urlpatterns = [
    path("", public.home, name="home"),
    path("accessibility/", public.accessibility, name="accessibility"),
    path("privacy/", public.privacy, name="privacy"),
    path("decisions/", public.register, name="register"),
    path("decisions.csv", public.decisions_csv, name="decisions-csv"),
    path("decisions.json", public.decisions_json, name="decisions-json"),
    path("decisions/feed/", DecisionsFeed(), name="decisions-feed"),
    path("forward-plan/", forward_plan.forward_plan, name="forward-plan"),
    path("forward-plan/feed/", ForwardPlanFeed(), name="forward-plan-feed"),
    path("decisions/datapackage.json", public.data_package, name="decisions-datapackage"),
    path("open-data/", public.about_open_data, name="open-data"),
    path("grants-accepted/", public.grants_accepted, name="grants-accepted"),
    path("grants-accepted.csv", public.grants_accepted_csv, name="grants-accepted-csv"),
    path("audit-anchors/", public.audit_anchors, name="audit-anchors"),
    path("audit-anchors.json", public.audit_anchors_json, name="audit-anchors-json"),
    path("robots.txt", public.robots, name="robots"),
    path("sitemap.xml", public.sitemap_index, name="sitemap"),
    path("sitemap-<int:number>.xml", public.sitemap_page, name="sitemap-page"),
    path("decisions/<slug:slug>/", public.decision, name="decision"),
    path("decisions/<slug:slug>/document.json", public.decision_document, name="decision-document"),
    path("decisions/<slug:slug>/decision.pdf", public.decision_pdf, name="decision-pdf"),
    path("decisions/<slug:slug>/agreement.pdf", public.agreement_pdf, name="decision-agreement"),
]

staff_urlpatterns = [
    path("cases/<int:pk>/agreement/", staff.upload_agreement, name="upload-agreement"),
    path("cases/<int:pk>/agreement/review/", staff.review_agreement, name="review-agreement"),
    path(
        "cases/<int:pk>/agreements/<int:agreement_pk>/",
        staff.staff_agreement,
        name="staff-agreement",
    ),
    path("forward-plan/", staff_plan.plan, name="plan"),
    path("cases/<int:pk>/forward-plan/", staff_plan.plan_entry, name="plan-entry"),
    path("cases/<int:pk>/forward-plan/remove/", staff_plan.take_off, name="plan-remove"),
    path("publications/", staff.publication_list, name="publications"),
    path("publications/compliance/", staff.compliance, name="compliance"),
    path("publications/<int:publication_pk>/", staff.publication_detail, name="publication"),
    path("publications/<int:publication_pk>/publish/", staff.publish_now, name="publish-now"),
    path("publications/<int:publication_pk>/defer/", staff.defer, name="defer"),
    path("publications/<int:publication_pk>/correct/", staff.correct, name="correct"),
    path(
        "publications/<int:publication_pk>/revisions/<int:number>/withdraw/",
        staff.withdraw_revision,
        name="withdraw-revision",
    ),
    path(
        "publications/<int:publication_pk>/agreements/<int:agreement_pk>/withdraw/",
        staff.withdraw_agreement,
        name="withdraw-agreement",
    ),
    path(
        "publications/<int:publication_pk>/withdrawals/<int:withdrawal_pk>/confirm/",
        staff.confirm_withdrawal,
        name="confirm-withdrawal",
    ),
    path(
        "publications/<int:publication_pk>/withdrawals/<int:withdrawal_pk>/cancel/",
        staff.cancel_withdrawal,
        name="cancel-withdrawal",
    ),
]
