from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import models
from django.utils.functional import cached_property

from . import search, services
from .models import ArticleBody, Author, Post


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows, so that the changelist never runs a full COUNT(*).

    Past the cap the changelist pages as far as the cap reaches; filters, search
    and the date hierarchy narrow a million rows to what an editor looks for.
    """

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.CAP].count()


class ArticleBodyInline(admin.StackedInline):
    model = ArticleBody
    can_delete = False
    fields = ["html", "reporter", "credits"]
    extra = 1
    max_num = 1


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "title",
        "author",
        "published_at",
        "status_label",
        "is_notice",
        "view_count",
    ]
    list_display_links = ["number", "title"]
    list_filter = ["status", "is_notice", "source_name"]
    list_select_related = ["author"]
    search_fields = ["title"]  # the form is shown; get_search_results does the work
    search_help_text = "번호(정확히) 또는 제목으로 찾습니다."
    date_hierarchy = "published_at"
    autocomplete_fields = ["author"]
    readonly_fields = ["view_count", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["number", "title", "author", "published_at", "status", "is_notice"]}),
        ("출처", {"fields": ["source_name", "source_url"]}),
        ("기록", {"fields": ["view_count", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [ArticleBodyInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "hide", "pin_notice", "unpin_notice"]
    ordering = ["-number"]
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_search_results(self, request, queryset, search_term):
        # A number finds that post; anything else searches titles through the
        # board's index (an ILIKE scan would read a million titles).
        term = search_term.strip()
        if term.isascii() and term.isdigit() and len(term) < 10:
            return queryset.filter(number=int(term)), False
        if not term:
            return queryset, False
        return search.search_posts(queryset, term, "title"), False

    @admin.display(description="상태", ordering="status")
    def status_label(self, post):
        if post.is_scheduled:
            return "예약"
        return post.get_status_display()

    def get_readonly_fields(self, request, obj=None):
        # A number is permanent: links to /posts/<number>/ are shared.
        return [*self.readonly_fields, "number"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
        }
        if change:
            services.post_update(post=obj, **data)
        else:
            created = services.post_create(
                **{name: form.cleaned_data[name] for name in form.cleaned_data if name != "number"},
                number=form.cleaned_data.get("number"),
            )
            obj.pk, obj.number = created.pk, created.number
            obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        # The body goes through the same sanitising as every other write path.
        for body in formset.save(commit=False):
            services.body_save(
                post=form.instance, html=body.html, credits=body.credits, reporter=body.reporter
            )

    def _report(self, request, count, what):
        self.message_user(request, f"게시글 {count:,}개를 {what}.", messages.SUCCESS)

    @admin.action(description="선택한 글 게시", permissions=["change"])
    def publish(self, request, queryset):
        self._report(
            request,
            services.posts_set_status(posts=queryset, status=Post.Status.PUBLISHED),
            "게시했습니다",
        )

    @admin.action(description="선택한 글 숨김", permissions=["change"])
    def hide(self, request, queryset):
        self._report(
            request,
            services.posts_set_status(posts=queryset, status=Post.Status.HIDDEN),
            "숨겼습니다",
        )

    @admin.action(description="선택한 글 공지로 고정", permissions=["change"])
    def pin_notice(self, request, queryset):
        self._report(
            request,
            services.posts_set_notice(posts=queryset, is_notice=True),
            "공지로 고정했습니다",
        )

    @admin.action(description="선택한 글 공지 해제", permissions=["change"])
    def unpin_notice(self, request, queryset):
        self._report(
            request,
            services.posts_set_notice(posts=queryset, is_notice=False),
            "공지에서 내렸습니다",
        )
