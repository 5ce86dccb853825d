from django.urls import path

from . import views

app_name = "exchange"

P = "app/p/<int:placement_id>/exchange/"
POST = P + "<int:post_id>/"

urlpatterns = [
    path(P, views.exchange_list, name="list"),
    path(POST, views.post_page, name="post"),
    path(POST + "file/", views.post_file, name="file"),
    path(POST + "respond/", views.respond, name="respond"),
    path(POST + "responses/<int:response_id>/reply/", views.reply, name="reply"),
    path(POST + "report/", views.report, name="report"),
    path(POST + "withdraw/", views.withdraw, name="withdraw"),
    path(POST + "consent/", views.consent, name="consent"),
    path(POST + "evidence/", views.use_as_evidence, name="evidence"),
    path(POST + "exemplar/", views.exemplar, name="exemplar"),
    path(POST + "hide/", views.hide, name="hide"),
]
