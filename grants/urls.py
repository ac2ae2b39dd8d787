from django.urls import path

from grants.views import editor, importing, report, rollover

app_name = "grants"

urlpatterns = [
    path("", report.case_list, name="case-list"),
    path("new/", editor.create_case, name="case-create"),
    path("import/", importing.import_report, name="case-import"),
    path("import/review/", importing.review_import, name="case-import-review"),
    path("import/create/", importing.create_from_import, name="case-import-create"),
    path("new/from-earlier/", rollover.start_from_earlier, name="start-from-earlier"),
    path("<int:pk>/", report.case_report, name="report"),
    path(
        "<int:pk>/compared-with-earlier/",
        rollover.compared_with_earlier,
        name="compared-with-earlier",
    ),
    path("<int:pk>/edit/", editor.task_list, name="task-list"),
    path("<int:pk>/edit/details/", editor.edit_details, name="edit-details"),
    path("<int:pk>/edit/offers/", editor.edit_offers, name="edit-offers"),
    path("<int:pk>/edit/units/", editor.edit_units, name="edit-units"),
    path("<int:pk>/edit/units/<int:unit_pk>/", editor.edit_unit, name="edit-unit"),
    path("<int:pk>/edit/budget-years/", editor.edit_budget_years, name="edit-budget-years"),
    path(
        "<int:pk>/edit/recommendations/", editor.edit_recommendations, name="edit-recommendations"
    ),
    path(
        "<int:pk>/edit/time-sensitivity/",
        editor.edit_time_sensitivity,
        name="edit-time-sensitivity",
    ),
    path("<int:pk>/edit/sections/<slug:section>/", editor.edit_section, name="edit-section"),
    path("<int:pk>/edit/part-2/", editor.edit_part2, name="edit-part2"),
]
