app_name = "communications"

urlpatterns: list = []
