from django.core.cache import cache
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from tenants.context_processors import FOOTER_CACHE_KEY
from tenants.middleware import tenant_cache_key
from tenants.models import Domain, Organisation


@receiver(pre_save, sender=Domain)
def forget_previous_host(sender, instance, **kwargs):
    """A renamed domain must stop answering on its old host at once."""
    if instance.pk:
        previous = Domain.objects.filter(pk=instance.pk).values_list("domain", flat=True).first()
        if previous:
            cache.delete(tenant_cache_key(previous))


@receiver([post_save, post_delete], sender=Domain)
def forget_domain(sender, instance, **kwargs):
    cache.delete(tenant_cache_key(instance.domain))


@receiver([post_save, post_delete], sender=Organisation)
def forget_organisation_domains(sender, instance, **kwargs):
    hosts = Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True)
    cache.delete_many([tenant_cache_key(host) for host in hosts])


@receiver([post_save, post_delete], sender=Organisation)
def forget_office_contact(sender, instance, **kwargs):
    """The footer shows the office's contact details at once after they are edited."""
    if instance.is_office:
        cache.delete(FOOTER_CACHE_KEY)
