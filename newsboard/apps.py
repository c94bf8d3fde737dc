from axes.apps import AppConfig as AxesAppConfig


class AxesConfig(AxesAppConfig):
    """django-axes, titled in Korean in the admin (its models' names are in
    locale/ko)."""

    verbose_name = "로그인 잠금"
