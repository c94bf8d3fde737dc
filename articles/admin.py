from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from . import importing, search, services
from .models import MAX_NUMBER, ArticleBody, Author, Post
from .text import clean_line


class AtLeast(int):
    """A count known only to be at least this: shown as "1,000+" (결과 1,000+개,
    1,000+ 게시글), never as an exact number."""

    def __str__(self):
        return f"{int(self):,}+"


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows, so that the changelist never runs a full COUNT(*).

    Past the cap the changelist pages as far as the cap reaches; filters, search
    and the date hierarchy narrow a million rows to what an editor looks for.
    """

    CAP = 1_000

    @cached_property
    def count(self):
        count = self.object_list[: self.CAP + 1].count()
        return AtLeast(self.CAP) if count > self.CAP else count


_TO_THE_COMMAND = "파일을 나누거나, 서버에서 manage.py import_posts로 가져오세요."


def _too_many_rows(count: str) -> str:
    return (
        f"관리 화면에서는 한 번에 {settings.ADMIN_IMPORT_MAX_ROWS:,}건까지 가져올 수 있습니다"
        f"(이 파일: {count}). {_TO_THE_COMMAND}"
    )


class ImportForm(forms.Form):
    file = forms.FileField(label="파일", help_text="JSONL, CSV, 또는 RSS/Atom 피드 파일.")
    format = forms.ChoiceField(
        label="형식",
        required=False,
        choices=[
            ("", "파일 이름으로 판단"),
            ("jsonl", "JSONL"),
            ("csv", "CSV"),
            ("feed", "RSS/Atom 피드"),
        ],
    )
    dry_run = forms.BooleanField(label="점검만 (저장하지 않음)", required=False)
    strict = forms.BooleanField(label="잘못된 행이 하나라도 있으면 저장하지 않음", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checking costs by the byte (every new word is indexed): a file the
        # request could not finish is refused unread.
        if upload.size > settings.ADMIN_IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"관리 화면에서는 {settings.ADMIN_IMPORT_MAX_MB:,}MB까지 가져올 수 있습니다"
                f"(이 파일: {filesizeformat(upload.size)}). {_TO_THE_COMMAND}"
            )
        return upload

    def read_rows(self) -> list | None:
        """The upload's rows, or None (with the form's error) when there are too many
        or the file cannot be read at all."""
        upload = self.cleaned_data["file"]
        fmt = self.cleaned_data["format"] or importing.guess_format(upload.name)
        try:
            rows = list(importing.READERS[fmt](upload.read()))
        except importing.SourceError as exc:
            self.add_error("file", str(exc))
            return None
        if len(rows) > settings.ADMIN_IMPORT_MAX_ROWS:
            self.add_error("file", _too_many_rows(f"{len(rows):,}건"))
            return None
        return rows


class SafeChangeList(ChangeList):
    """A changelist whose date filters refuse absurd years instead of failing.

    Django turns `published_at__year=99999` into IncorrectLookupParameters (the
    admin's "?e=1" page), but a year past the C integer range raises
    OverflowError, a 500. Found by tests/test_hostile_input.py.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc


class LineField(forms.CharField):
    """A one-line text field cleaned as every write path stores it (NFC, no
    control characters or line breaks) before its length and uniqueness are
    checked: cleaning can lengthen text."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_line(value) if value else value


# For the models' CharFields (URLField and choice fields keep their own form fields).
LINE_FIELDS = {models.CharField: {"form_class": LineField}}


class ArticleBodyInline(admin.StackedInline):
    model = ArticleBody
    can_delete = False
    fields = ["html", "reporter", "credits"]
    formfield_overrides = LINE_FIELDS
    extra = 1
    max_num = 1

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "html":
            kwargs["max_length"] = ArticleBody.MAX_HTML_LENGTH
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    formfield_overrides = LINE_FIELDS
    list_display = ["name"]
    search_fields = ["name"]
    show_full_result_count = False
    paginator = CappedCountPaginator


class StateFilter(admin.SimpleListFilter):
    """상태 as readers see it: 게시 (public now) and 예약 (published, due later)
    apart, then 숨김 and 임시저장."""

    title = "상태"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        hidden, draft = Post.Status.HIDDEN, Post.Status.DRAFT
        return [
            ("public", "게시"),
            ("scheduled", "예약"),
            (hidden, hidden.label),
            (draft, draft.label),
        ]

    def queryset(self, request, queryset):
        if self.value() == "public":
            return queryset.published()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() in (Post.Status.HIDDEN, Post.Status.DRAFT):
            return queryset.filter(status=self.value())
        return queryset


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
        "preview_link",
    ]
    list_display_links = ["number", "title"]
    # No filter on source_name: listing its values is a DISTINCT over every row.
    list_filter = [StateFilter, "is_notice"]
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
    formfield_overrides = {**LINE_FIELDS, models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "hide", "restore", "pin_notice", "unpin_notice"]
    ordering = ["-number"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT over the whole table per filter choice
    paginator = CappedCountPaginator

    def view_on_site(self, post):
        """ "사이트에서 보기": the article, or its preview while readers cannot see it."""
        if post.is_public:
            return post.get_absolute_url()
        return reverse("admin:articles_post_preview", args=[post.pk])

    @admin.display(description="미리보기")
    def preview_link(self, post):
        url = reverse("admin:articles_post_preview", args=[post.pk])
        return format_html('<a href="{}">미리보기</a>', url)

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def get_urls(self):
        own = [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="articles_post_preview",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="articles_post_import",
            ),
        ]
        return own + super().get_urls()

    def preview_view(self, request, pk):
        """Any post as readers would see it, drafts and scheduled ones included.

        Never cached: admin_site.admin_view() adds never_cache to every view.
        """
        post = get_object_or_404(Post.objects.select_related("author", "body"), pk=pk)
        if not self.has_view_permission(request, post):
            raise PermissionDenied
        return render(
            request,
            "articles/preview.html",
            {"post": post, "body": getattr(post, "body", None), "opts": self.model._meta},
        )

    def import_view(self, request):
        """Upload a JSONL, CSV or feed file: the same import as `manage.py import_posts`."""
        # An import adds and changes posts, and adds the authors it names.
        may = ("articles.add_post", "articles.change_post", "articles.add_author")
        if not request.user.has_perms(may):
            raise PermissionDenied
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid() and (rows := form.read_rows()) is not None:
            report = importing.import_rows(
                rows, dry_run=form.cleaned_data["dry_run"], strict=form.cleaned_data["strict"]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "게시글 가져오기",
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/articles/post/import.html", context)

    def get_search_results(self, request, queryset, search_term):
        # A number finds that post; anything else searches titles through the
        # board's index (an ILIKE scan would read a million titles).
        term = search_term.strip()
        if term.isascii() and term.isdigit():
            digits = term.lstrip("0")  # int() of thousands of digits raises
            if len(digits) <= len(str(MAX_NUMBER)) and int(digits or 0) <= MAX_NUMBER:
                return queryset.filter(number=int(digits or 0)), False
            return queryset.none(), False
        if not term:
            return queryset, False
        try:
            return search.search_posts(queryset, term, "title"), False
        except search.TooSlow:
            self.message_user(request, search.TooSlow.message, messages.WARNING)
            return queryset.none(), False

    @admin.display(description="상태")  # not sortable: the 상태 filter narrows instead
    def status_label(self, post):
        return post.state_label

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

    def response_action(self, request, queryset):
        # "모두 선택" applies an action to every post the list matches, but the
        # list counts at most CAP of them: the editor never saw how many.
        cap = CappedCountPaginator.CAP
        if request.POST.get("select_across") == "1" and queryset[: cap + 1].count() > cap:
            self.message_user(
                request,
                f"맞는 글이 {cap:,}개를 넘어 한꺼번에 바꾸지 않았습니다. "
                "검색이나 필터로 범위를 좁히거나 글을 골라서 선택해 주세요.",
                messages.ERROR,
            )
            return None
        return super().response_action(request, queryset)

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

    @admin.action(description="선택한 숨김 글 되살리기", permissions=["change"])
    def restore(self, request, queryset):
        hidden = queryset.filter(status=Post.Status.HIDDEN)
        count = services.posts_set_status(posts=hidden, status=Post.Status.PUBLISHED)
        self._report(request, count, "되살렸습니다")

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
