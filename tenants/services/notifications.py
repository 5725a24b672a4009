"""Notifications: the only writer of in-app messages, which are also sent by e-mail.

E-mails go out after the surrounding transaction commits, so a refused change never
notifies anybody.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenants.models import Notification, Organisation, User
from tenants.services import site_url


def notify(
    *,
    recipients: Iterable[User],
    organisation: Organisation,
    message: str,
    params: dict | None = None,
    url: str = "",
    actor: User | None = None,
) -> list[Notification]:
    """Tell each active recipient (except the actor, who knows) on ``organisation``'s site.

    ``message`` is an English text marked with ``gettext_noop``; it is translated when read.
    """
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if actor is not None:
        people.pop(actor.pk, None)
    made = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            organisation=organisation,
            message=message,
            params=params or {},
            url=url,
        )
        for user in people.values()
    )
    if made:
        ids = [notification.pk for notification in made]
        language = translation.get_language() or settings.LANGUAGE_CODE
        transaction.on_commit(lambda: send_emails(ids, language))
    return made


def send_emails(notification_ids: list[int], language: str) -> int:
    notifications = Notification.objects.filter(pk__in=notification_ids).select_related(
        "recipient", "organisation"
    )
    with translation.override(language):
        messages = [
            (
                _("Robotkontor: %(text)s") % {"text": notification.text},
                "\n\n".join(
                    part
                    for part in (
                        notification.text,
                        site_url(notification.organisation, notification.url)
                        if notification.url
                        else "",
                    )
                    if part
                ),
                None,
                [notification.recipient.email],
            )
            for notification in notifications
        ]
    return send_mass_mail(messages, fail_silently=False)


def mark_read(*, user: User, organisation: Organisation, pk: int | None = None) -> int:
    """Mark one notification (or all of them on this site) as read; returns how many."""
    unread = Notification.objects.filter(
        recipient=user, organisation=organisation, read_at__isnull=True
    )
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())
