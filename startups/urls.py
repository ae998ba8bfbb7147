from django.urls import path

from startups import views

app_name = "startups"

urlpatterns = [
    path("", views.home, name="home"),
]
