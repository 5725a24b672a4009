"""Work queues and manual handling on a member's site. The request's site chose the schema,
so every read and write here stays inside that member's data."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.exports import csv_bytes
from core.views import apply_errors, flash_form_errors
from robots.workitems import selectors, services
from robots.workitems.forms import (
    BulkActionForm,
    HandleForm,
    ItemFilterForm,
    ItemForm,
    ManualFilterForm,
    QueueBulkForm,
    QueueForm,
    ResubmitForm,
    UploadForm,
)
from robots.workitems.models import WorkItem
from robots.workitems.services import uploads
from tenants.permissions import Capability, can
from tenants.views import SiteView

PAGE_SIZE = 50


def flash(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def status_label(value: str) -> str:
    return WorkItem.Status(value).label if value in WorkItem.Status.values else value


def history_of(item: WorkItem) -> list:
    events = list(selectors.history_of(item))
    for event in events:
        event.from_label = status_label(event.from_status)
        event.to_label = status_label(event.to_status)
    return events


class WorkItemsView(SiteView):
    """Work items are member data: only on a member's site."""

    members_only = True


class QueueListView(WorkItemsView):
    def get(self, request):
        queues = list(selectors.queues_with_counts())
        for work_queue in queues:
            work_queue.count_handed_back = sum(
                getattr(work_queue, f"count_{status}") for status in WorkItem.HANDED_BACK
            )
        return render(
            request,
            "workitems/queue_list.html",
            {
                "queues": queues,
                "can_manage": can(request.user, request.tenant, Capability.MANAGE_QUEUES),
            },
        )


class QueueFormView(WorkItemsView):
    capability = Capability.MANAGE_QUEUES
    template_name = "workitems/queue_form.html"

    def page(self, request, form, work_queue=None, status=200):
        context = {"form": form, "queue": work_queue}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk=None):
        work_queue = selectors.queue(pk) if pk else None
        return self.page(
            request, QueueForm(instance=work_queue, organisation=request.tenant), work_queue
        )

    def post(self, request, pk=None):
        work_queue = selectors.queue(pk) if pk else None
        form = QueueForm(request.POST, instance=work_queue, organisation=request.tenant)
        if form.is_valid():
            try:
                if work_queue is None:
                    work_queue = services.create_queue(actor=request.user, **form.cleaned_data)
                else:
                    work_queue = services.update_queue(
                        work_queue, actor=request.user, **form.cleaned_data
                    )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The queue is saved."))
                return redirect("workitems:queue_detail", pk=work_queue.pk)
        return self.page(request, form, work_queue, status=400)


def render_queue(request, work_queue, item_form=None, upload_form=None, status=200):
    filters = ItemFilterForm(request.GET)
    filters.is_valid()
    found = selectors.items_of(
        work_queue,
        status=filters.cleaned_data.get("status", ""),
        search=filters.cleaned_data.get("q", ""),
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "queue": work_queue,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "item_form": item_form or ItemForm(queue=work_queue),
        "bulk_form": QueueBulkForm(),
        "upload_form": upload_form or UploadForm(),
        "uploads": selectors.uploads_of(work_queue)[:5],
        "can_manage": can(request.user, request.tenant, Capability.MANAGE_QUEUES),
    }
    return render(request, "workitems/queue_detail.html", context, status=status)


class QueueDetailView(WorkItemsView):
    def get(self, request, pk):
        return render_queue(request, selectors.queue(pk))


class ItemCreateView(WorkItemsView):
    def post(self, request, pk):
        work_queue = selectors.queue(pk)
        form = ItemForm(request.POST, queue=work_queue)
        if form.is_valid():
            try:
                item = services.add_item(work_queue, actor=request.user, **form.item_fields())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Item %(item)s is added.") % {"item": item})
                return redirect("workitems:queue_detail", pk=pk)
        return render_queue(request, work_queue, item_form=form, status=400)


class QueueBulkView(WorkItemsView):
    """Items chosen on the queue's page: try them again (anyone who works the queue), or
    delete them (those who manage queues). Back to the page as it was filtered."""

    def post(self, request, pk):
        work_queue = selectors.queue(pk)
        form = QueueBulkForm(request.POST)
        back = redirect(f"{reverse('workitems:queue_detail', args=[pk])}?{request.GET.urlencode()}")
        if not form.is_valid():
            flash_form_errors(request, form)
            return back
        chosen = [WorkItem(pk=pk) for pk in form.cleaned_data["items"]]
        try:
            if form.cleaned_data["action"] == "delete":
                if not can(request.user, request.tenant, Capability.MANAGE_QUEUES):
                    raise PermissionDenied(_("You may not delete items."))
                count = services.delete_items(work_queue, chosen, actor=request.user)
                done = _("%(count)s items are deleted.")
            else:
                count = services.retry_items(work_queue, chosen, actor=request.user)
                done = _("%(count)s items are tried again.")
        except ValidationError as error:
            flash(request, error)
        else:
            messages.success(request, done % {"count": count})
        return back


class QueueSlaView(WorkItemsView):
    """Each queue against its SLA: waiting, in progress, the oldest unfinished item, items
    past the SLA, deadlines past or due soon."""

    def get(self, request):
        queues = list(selectors.queues_with_sla())
        trend = selectors.daily_trend()
        empty = [0] * len(trend["days"])
        chart = {
            "days": [day.strftime("%d.%m") for day in trend["days"]],
            "labels": {"added": _("Added"), "finished": _("Finished")},
            "queues": {
                str(queue.pk): trend["queues"].get(queue.pk, {"added": empty, "finished": empty})
                for queue in queues
            },
        }
        for queue in queues:
            counts = chart["queues"][str(queue.pk)]
            queue.added_in_trend = sum(counts["added"])
            queue.finished_in_trend = sum(counts["finished"])
        return render(
            request,
            "workitems/queue_sla.html",
            {
                "queues": queues,
                "warning_hours": settings.ROBOTS_DEADLINE_WARNING_HOURS,
                "chart": chart,
                "trend_days": len(trend["days"]),
            },
        )


class UploadCreateView(WorkItemsView):
    def post(self, request, pk):
        work_queue = selectors.queue(pk)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            file = form.cleaned_data["file"]
            try:
                upload = uploads.start_upload(
                    work_queue, file_name=file.name, content=file.read(), actor=request.user
                )
            except ValidationError as error:
                apply_errors(form, ValidationError({"file": error.messages}))
            else:
                return redirect("workitems:upload_detail", pk=upload.pk)
        return render_queue(request, work_queue, upload_form=form, status=400)


class UploadDetailView(WorkItemsView):
    """The upload's progress; htmx asks for the progress part every second while it runs."""

    def get(self, request, pk):
        upload = selectors.upload(pk)
        template = (
            "workitems/upload_progress.html"
            if request.headers.get("HX-Request")
            else "workitems/upload_detail.html"
        )
        return render(request, template, {"upload": upload})


class UploadRetryView(WorkItemsView):
    """Read a failed or stalled upload again, from after the last batch that was added."""

    def post(self, request, pk):
        upload = selectors.upload(pk)
        try:
            uploads.retry_upload(upload, actor=request.user)
        except ValidationError as error:
            flash(request, error)
        else:
            messages.success(request, _("The upload is being read again."))
        return redirect("workitems:upload_detail", pk=upload.pk)


class UploadErrorsView(WorkItemsView):
    """The refused rows as a CSV file (semicolons, as Danish spreadsheets expect)."""

    def get(self, request, pk):
        upload = selectors.upload(pk)
        rows = [[_("Line"), _("Why")]]
        rows += [[error["line"], error["message"]] for error in upload.errors]
        response = HttpResponse(csv_bytes(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="refused-rows-{upload.pk}.csv"'
        return response


class ManualHandlingView(WorkItemsView):
    """Items the robots handed back, with their reasons, for the member's staff."""

    template_name = "workitems/manual.html"

    def get(self, request):
        return self.page(request)

    def page(self, request, bulk_form=None, status=200):
        filters = ManualFilterForm(
            request.GET,
            statuses=[(value, WorkItem.Status(value).label) for value in WorkItem.HANDED_BACK],
        )
        filters.is_valid()
        data = filters.cleaned_data
        found = selectors.handed_back_items(
            status=data.get("status", ""),
            search=data.get("q", ""),
            queue_id=data["queue"].pk if data.get("queue") else None,
            assigned_to=request.user if data.get("mine") else None,
        )
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "bulk_form": bulk_form or BulkActionForm(organisation=request.tenant),
        }
        return render(request, self.template_name, context, status=status)

    def post(self, request):
        form = BulkActionForm(request.POST, organisation=request.tenant)
        if not form.is_valid():
            flash_form_errors(request, form)
            return redirect(request.get_full_path())
        items = list(WorkItem.objects.filter(pk__in=form.cleaned_data["items"]))
        missing = set(form.cleaned_data["items"]) - {item.pk for item in items}
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        try:
            if missing:
                raise ValidationError(_("Some of the chosen items no longer exist."))
            if action == "assign":
                count = services.assign(items, form.assignee(), actor=request.user)
            elif action == "resolve":
                count = services.resolve(items, actor=request.user, note=note)
            else:
                count = services.close(items, actor=request.user, note=note)
        except ValidationError as error:
            flash(request, error)
        else:
            messages.success(request, _("%(count)s items are updated.") % {"count": count})
        return redirect(request.get_full_path())


class ItemFileView(WorkItemsView):
    """Download a file a robot attached to the item or to one of its output items."""

    def get(self, request, pk, file_pk):
        attached = selectors.file_of_item(selectors.item(pk), file_pk)
        return FileResponse(attached.file.open("rb"), as_attachment=True, filename=attached.name)


class ItemDetailView(WorkItemsView):
    template_name = "workitems/item_detail.html"

    def page(self, request, item, resubmit_form=None, status=200):
        context = {
            "item": item,
            "files": list(selectors.files_of(item)),
            "outputs": selectors.outputs_of(item),
            "history": history_of(item),
            "resubmit_form": resubmit_form or ResubmitForm(item=item),
            "handle_form": HandleForm(auto_id="handle_%s"),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.page(request, selectors.item(pk))

    def post(self, request, pk):
        item = selectors.item(pk)
        if "resubmit" in request.POST:
            form = ResubmitForm(request.POST, item=item)
            if form.is_valid():
                try:
                    services.resubmit(
                        item,
                        actor=request.user,
                        payload=form.payload(),
                        note=form.cleaned_data["note"],
                    )
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    messages.success(request, _("The item is back in the queue."))
                    return redirect("workitems:item_detail", pk=pk)
            return self.page(request, item, resubmit_form=form, status=400)
        form = HandleForm(request.POST)
        if form.is_valid():
            action, note = form.cleaned_data["action"], form.cleaned_data["note"]
            try:
                if action == "assign_me":
                    services.assign([item], request.user, actor=request.user)
                elif action == "resolve":
                    services.resolve([item], actor=request.user, note=note)
                else:
                    services.close([item], actor=request.user, note=note)
            except ValidationError as error:
                flash(request, error)
            else:
                messages.success(request, _("The item is updated."))
        return redirect("workitems:item_detail", pk=pk)
