from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog import selectors as catalog_selectors
from core import audit
from core.views import apply_errors, flash_errors
from intake import selectors, services
from intake.forms import AssessForm, CommentForm, IdeaForm, MoveForm, WeightsForm
from intake.models import Idea
from tenants.models import User
from tenants.permissions import Capability
from tenants.services import office
from tenants.views import SiteView

HISTORY_LABELS = {
    "intake.idea.submitted": gettext_lazy("submitted the idea"),
    "intake.idea.moved": gettext_lazy("moved the idea"),
    "intake.idea.assessed": gettext_lazy("assessed the idea"),
    "intake.idea.joined": gettext_lazy("joined the idea"),
    "intake.idea.commented": gettext_lazy("commented"),
}


def history_of(idea: Idea) -> list:
    events = list(audit.history(idea))
    for event in events:
        event.label = HISTORY_LABELS.get(event.action, event.action)
        status = event.changes.get("status") if event.action == "intake.idea.moved" else None
        if status and status[-1] in Idea.Status.values:
            event.label = f"{event.label}: {Idea.Status(status[-1]).label}"
    return events


def office_staff():
    return User.objects.filter(memberships__organisation=office(), is_active=True).order_by(
        "full_name", "email"
    )


def back(request, fallback: str, **kwargs):
    """Where a form on several pages sends the user after posting (same site only)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback, **kwargs)


def allowed_moves(idea: Idea) -> list[tuple[str, str]]:
    return MoveForm(choices=services.TRANSITIONS[idea.status]).fields["to"].choices


class IdeaListView(SiteView):
    """Members: their own and joined ideas, and others' open ideas to join. Office: the kanban."""

    def get(self, request):
        tenant = request.tenant
        ideas = selectors.with_figures(
            selectors.ideas_for(tenant), selectors.current_weights(), viewer=tenant
        )
        if tenant.is_office:
            for idea in ideas:
                idea.moves = allowed_moves(idea)
            columns = [
                (status, label, [idea for idea in ideas if idea.status == status])
                for status, label in Idea.Status.choices
            ]
            return render(
                request,
                "intake/board.html",
                {"columns": columns},
            )
        return render(
            request,
            "intake/idea_list.html",
            {"ideas": ideas, "open_ideas": selectors.open_for_joining(tenant)},
        )


class IdeaCreateView(SiteView):
    members_only = True
    template_name = "intake/idea_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": IdeaForm()})

    def post(self, request):
        form = IdeaForm(request.POST)
        if form.is_valid():
            try:
                idea = services.submit_idea(
                    organisation=request.tenant, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Thank you. The office will assess your idea."))
                return redirect("intake:idea_detail", pk=idea.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class IdeaDetailView(SiteView):
    def get(self, request, pk):
        tenant = request.tenant
        idea = selectors.idea_for(tenant, pk)
        selectors.with_figures([idea], selectors.current_weights(), viewer=tenant)
        context = {
            "idea": idea,
            "robot_visible": catalog_selectors.can_see(tenant, idea.robot),
            "comments": selectors.comments_of(idea),
            "participants": selectors.participants_of(idea),
            "comment_form": CommentForm(),
            "history": history_of(idea),
        }
        if tenant.is_office:
            context["move_form"] = MoveForm(choices=services.TRANSITIONS[idea.status])
            context["assess_form"] = AssessForm(
                staff=office_staff(),
                initial={
                    "assignee": idea.assignee_id,
                    "estimated_build_hours": idea.estimated_build_hours,
                },
            )
        return render(request, "intake/idea_detail.html", context)


class IdeaMoveView(SiteView):
    """One move on the kanban: a plain form POST (htmx boosts it when JavaScript runs)."""

    office_only = True

    def post(self, request, pk):
        idea = selectors.idea_for(request.tenant, pk)
        form = MoveForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return back(request, "intake:idea_list")
        try:
            idea = services.move_idea(
                idea=idea,
                to_status=form.cleaned_data["to"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                messages.error(request, str(error) or _("You may not move ideas."))
            else:
                flash_errors(request, error)
        else:
            messages.success(
                request,
                _("“%(title)s” is moved to %(status)s.")
                % {"title": idea.title, "status": idea.get_status_display()},
            )
        return back(request, "intake:idea_list")


class IdeaAssessView(SiteView):
    office_only = True

    def post(self, request, pk):
        idea = selectors.idea_for(request.tenant, pk)
        form = AssessForm(request.POST, staff=office_staff())
        if form.is_valid():
            try:
                services.assess_idea(idea=idea, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                flash_errors(request, error)
            else:
                messages.success(request, _("The assessment is saved."))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect("intake:idea_detail", pk=pk)


class IdeaCommentView(SiteView):
    def post(self, request, pk):
        idea = selectors.idea_for(request.tenant, pk)
        form = CommentForm(request.POST)
        if form.is_valid():
            services.comment(
                idea=idea,
                actor=request.user,
                organisation=request.tenant,
                text=form.cleaned_data["text"],
            )
            messages.success(request, _("Your comment is added."))
        else:
            messages.error(request, _("Write a comment."))
        return redirect("intake:idea_detail", pk=pk)


class IdeaJoinView(SiteView):
    members_only = True

    def post(self, request, pk):
        idea = selectors.joinable_idea(request.tenant, pk)
        try:
            services.join_idea(idea=idea, organisation=request.tenant, actor=request.user)
        except ValidationError as error:
            flash_errors(request, error)
            return back(request, "intake:idea_list")
        messages.success(
            request, _("Your organisation now shares “%(title)s”.") % {"title": idea.title}
        )
        return redirect("intake:idea_detail", pk=pk)


class WeightsView(SiteView):
    office_only = True
    capability = Capability.MANAGE_CATALOG
    template_name = "intake/weights.html"

    def get(self, request):
        return render(
            request,
            self.template_name,
            {"form": WeightsForm(instance=selectors.current_weights())},
        )

    def post(self, request):
        form = WeightsForm(request.POST, instance=selectors.current_weights())
        if form.is_valid():
            try:
                services.update_weights(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The weights are saved."))
                return redirect("intake:idea_list")
        return render(request, self.template_name, {"form": form}, status=400)
