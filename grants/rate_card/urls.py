from django.urls import path

from grants.rate_card import views

app_name = "rate_card"

urlpatterns = [
    path("", views.rate_card, name="list"),
    path("new/", views.add_rate, name="add"),
    path("<int:pk>/", views.change_rate, name="change"),
    path("<int:pk>/remove/", views.remove_rate, name="remove"),
]
