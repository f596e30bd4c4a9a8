from django.urls import path

from toolkit import staff

app_name = "staff"

urlpatterns = [
    path("", staff.dashboard, name="dashboard"),
    path("feedback/", staff.feedback, name="feedback"),
    path("markdown-preview/", staff.markdown_preview, name="markdown-preview"),
    path("case-studies/<int:pk>/images/", staff.upload_image, name="upload-image"),
    path("tools/<int:pk>/files/", staff.upload_file, name="upload-file"),
    path("<slug:kind>/new/", staff.edit, name="new"),
    path("<slug:kind>/<int:pk>/", staff.edit, name="edit"),
    path("<slug:kind>/<int:pk>/status/", staff.set_status, name="status"),
    path("<slug:kind>/<int:pk>/preview/", staff.preview, name="preview"),
    path("<slug:kind>/<int:pk>/history/", staff.history, name="history"),
    path("<slug:kind>/<int:pk>/diff/", staff.diff, name="diff"),
    path("<slug:kind>/<int:pk>/revert/<int:version>/", staff.revert, name="revert"),
]
