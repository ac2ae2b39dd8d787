from django.urls import path

from approvals.accounts.people import urlpatterns as people_urlpatterns
from approvals.publication.urls import staff_urlpatterns
from approvals.views import (
    clearance,
    decisions,
    documents,
    history,
    iam,
    money,
    pipeline,
    questions,
    standing,
)

app_name = "approvals"

urlpatterns = [
    *staff_urlpatterns,
    *people_urlpatterns,
    path("cases/<int:pk>/submit/", decisions.submit, name="submit"),
    path("cases/<int:pk>/withdraw/", decisions.withdraw, name="withdraw"),
    path("cases/<int:pk>/decide/", decisions.decide, name="decide"),
    path("cases/<int:pk>/clearance/", clearance.clearance, name="clearance"),
    path("cases/<int:pk>/clearance/<slug:area>/", clearance.sign_off, name="sign-off"),
    path("cases/<int:pk>/ready/", clearance.mark_ready, name="mark-ready"),
    path("cases/<int:pk>/office-return/", clearance.office_return, name="office-return"),
    path("cases/<int:pk>/versions/", history.version_list, name="versions"),
    path("cases/<int:pk>/versions/<int:number>/", history.version_detail, name="version"),
    path("cases/<int:pk>/versions/compare/", history.version_compare, name="compare"),
    path("cases/<int:pk>/decision-form/", documents.current_form, name="current-decision-form"),
    path(
        "cases/<int:pk>/versions/<int:number>/decision-form/",
        documents.form_page,
        name="decision-form",
    ),
    path(
        "cases/<int:pk>/versions/<int:number>/decision-form.pdf",
        documents.form_pdf,
        name="decision-form-pdf",
    ),
    path("cases/<int:pk>/history/", history.case_history, name="history"),
    path("cases/<int:pk>/questions/", questions.thread, name="questions"),
    path("cases/<int:pk>/questions/<int:question_pk>/answer/", questions.answer, name="answer"),
    path("cases/<int:pk>/questions/<int:question_pk>/resolve/", questions.resolve, name="resolve"),
    path("cases/<int:pk>/related/", standing.related_decisions, name="related-decisions"),
    path(
        "decisions/<int:decision_pk>/standing-authority/",
        standing.accept_under_standing_authority,
        name="standing-authority",
    ),
    path("money/", money.money, name="money"),
    path("pipeline/", pipeline.pipeline, name="pipeline"),
    path("pipeline.csv", pipeline.pipeline_csv, name="pipeline-csv"),
    path("iam/", iam.meeting_list, name="meetings"),
    path("iam/new/", iam.meeting_create, name="meeting-create"),
    path("iam/<int:meeting_pk>/", iam.meeting_detail, name="meeting"),
    path("iam/<int:meeting_pk>/agenda/", iam.add_to_agenda, name="add-to-agenda"),
    path("iam/<int:meeting_pk>/pack.pdf", iam.meeting_pack, name="meeting-pack"),
    path("iam/<int:meeting_pk>/items/<int:item_pk>/", iam.record_outcome, name="record-outcome"),
]
