"""The programme committee's work in admin: the call, blind review, decisions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.errors import RefusalError

from .models import CallFormat, CallForSessions, Proposal, ProposalReview, ProposalStatus
from .services import proposal_decide, review_save, reviews_visible


class CallFormatInline(admin.TabularInline):
    model = CallFormat
    extra = 1


@admin.register(CallForSessions)
class CallForSessionsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "opens_at", "closes_at"]
    # The call is named by its edition's year.
    list_select_related = ["edition"]
    inlines = [CallFormatInline]


class ReviewForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Score"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 = weak, 5 = excellent."),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=forms.Textarea
    )


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ProposalStatus.ACCEPTED, _("Accept (makes a draft programme session)")),
            (ProposalStatus.WAITLISTED, _("Put on the reserve list")),
            (ProposalStatus.DECLINED, _("Decline")),
        ],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Message to the proposer"),
        required=False,
        max_length=4000,
        widget=forms.Textarea,
        help_text=_("Sent once by email with the decision."),
    )


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "format", "sector", "status", "score_shown", "review_count_shown"]
    list_filter = ["call__edition", "format__kind", "sector", "status"]
    search_fields = ["title", "organisation"]
    readonly_fields = [
        "call",
        "proposer",
        "title",
        "format",
        "abstract",
        "audience",
        "organisation",
        "municipality",
        "sector",
        "accessibility",
        "needs",
        "status",
        "decision_message",
        "submitted_at",
        "decided_at",
        "session",
        "speakers_shown",
        "review_links",
    ]
    fields = readonly_fields
    actions = ["decide"]

    def get_queryset(self, request):
        mine = ProposalReview.objects.filter(proposal=OuterRef("pk"), reviewer=request.user)
        # Drafts are the proposer's own until submitted.
        return (
            Proposal.objects.submitted()
            .with_scores()
            .annotate(scored_by_me=Exists(mine))
            .select_related("format", "call__edition")
        )

    def get_ordering(self, request):
        # Best first; the unscored last.
        return [F("mean_score").desc(nulls_last=True), "-submitted_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("mean score"), ordering="mean_score")
    def score_shown(self, obj):
        # Blind until the viewer has scored it themselves.
        if not obj.scored_by_me:
            return _("score it first")
        return f"{obj.mean_score:.1f}"

    @admin.display(description=_("reviews"), ordering="review_count")
    def review_count_shown(self, obj):
        return obj.review_count

    @admin.display(description=_("speakers"))
    def speakers_shown(self, obj):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} ({}){}</li>",
                (
                    (s.name, s.role, "" if s.consent_to_publish else f" - {_('not to be named')}")
                    for s in obj.speakers.all()
                ),
            ),
        )

    @admin.display(description=_("review and decide"))
    def review_links(self, obj):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:stockholmstinget_proposal_review", args=[obj.pk]),
            _("Score and comment"),
            reverse("admin:stockholmstinget_proposal_decide", args=[obj.pk]),
            _("Accept, reserve list or decline"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="stockholmstinget_proposal_review",
            ),
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="stockholmstinget_proposal_decide",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, proposal, template, context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": proposal,
                "proposal": proposal,
                **context,
            },
        )

    def review_view(self, request, pk: int):
        proposal = get_object_or_404(Proposal.objects.submitted(), pk=pk)
        if not self.has_view_permission(request, proposal) or not request.user.has_perm(
            "stockholmstinget.add_proposalreview"
        ):
            raise PermissionDenied
        own = ProposalReview.objects.filter(proposal=proposal, reviewer=request.user).first()
        initial = {"score": own.score, "comment": own.comment} if own else None
        form = ReviewForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                review_save(
                    proposal=proposal,
                    reviewer=request.user,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except RefusalError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your score is saved."))
                return HttpResponseRedirect(request.path)
        return self._page(
            request,
            proposal,
            "admin/stockholmstinget/proposal_review.html",
            {
                "title": _("Review: %(title)s") % {"title": proposal.title},
                "form": form,
                "reviews": reviews_visible(proposal=proposal, reviewer=request.user),
                "scored": own is not None,
            },
        )

    def decide_view(self, request, pk: int):
        proposal = get_object_or_404(Proposal.objects.submitted(), pk=pk)
        if not self.has_change_permission(request, proposal):
            raise PermissionDenied
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                decided = proposal_decide(
                    proposal=proposal,
                    status=form.cleaned_data["status"],
                    message=form.cleaned_data["message"],
                )
            except RefusalError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Decided: %(status)s. The proposer is told by email.")
                    % {"status": decided.get_status_display()},
                )
                if decided.session_id:
                    return redirect(
                        "admin:stockholmstinget_edition_change", decided.call.edition_id
                    )
                return redirect("admin:stockholmstinget_proposal_change", decided.pk)
        return self._page(
            request,
            proposal,
            "admin/stockholmstinget/proposal_decide.html",
            {"title": _("Decide: %(title)s") % {"title": proposal.title}, "form": form},
        )

    @admin.action(
        description=_("Accept, reserve list or decline the selected proposals"),
        permissions=["change"],
    )
    def decide(self, request, queryset):
        """One decision and one message for several proposals, after a page that lists them;
        each proposer is mailed once about each decision (deciding the same again sends
        nothing)."""
        form = DecisionForm(request.POST if request.POST.get("apply") else None)
        if form.is_valid():
            done, errors = 0, []
            for proposal in queryset.order_by("pk"):
                try:
                    proposal_decide(
                        proposal=proposal,
                        status=form.cleaned_data["status"],
                        message=form.cleaned_data["message"],
                    )
                except RefusalError as error:
                    errors.append(f"{proposal}: {error.message}")
                else:
                    done += 1
            if done:
                status = dict(form.fields["status"].choices)[form.cleaned_data["status"]]
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d proposal decided: %(status)s. The proposer is told by email.",
                        "%(count)d proposals decided: %(status)s. Each proposer is told by email.",
                        done,
                    )
                    % {"count": done, "status": status},
                    messages.SUCCESS,
                )
            for error in errors:
                self.message_user(request, error, messages.WARNING)
            return None
        return TemplateResponse(
            request,
            "admin/stockholmstinget/proposal_decide_selected.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Decide on several proposals"),
                "form": form,
                "objects": list(queryset),
                "opts": self.model._meta,
                "action": request.POST.get("action", ""),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
