"""Reads of the intake pipeline, scoped to the caller's organisation.

The office sees every idea. A member sees its own ideas and those it joined in full; of
other members' ideas it sees only what it needs to decide to join one: title, the
proposing organisation and the status, and only while the idea is open.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from intake import scoring, similarity
from intake.models import (
    Idea,
    IdeaComment,
    IdeaParticipant,
    PossibleDuplicate,
    ScoringWeights,
)

OPEN = ~Q(status__in=[Idea.Status.REJECTED, Idea.Status.LIVE])
OPEN_STATUSES = frozenset(Idea.Status.values) - {Idea.Status.REJECTED, Idea.Status.LIVE}
# Duplicate detection compares a new idea with at most this many open ideas (newest first).
DUPLICATE_CANDIDATES = 500
OPEN_FOR_JOINING_SHOWN = 50


def current_weights() -> ScoringWeights:
    """The office's weights; the defaults until someone has saved them."""
    return ScoringWeights.objects.filter(pk=1).first() or ScoringWeights(pk=1)


def _joined_by(organisation):
    return Exists(IdeaParticipant.objects.filter(idea=OuterRef("pk"), organisation=organisation))


def ideas_for(organisation) -> QuerySet[Idea]:
    """The ideas the organisation may read in full, with what every list shows."""
    ideas = (
        Idea.objects.select_related("organisation", "assignee", "robot")
        .annotate(participant_count=Count("participants", distinct=True))
        .prefetch_related(
            Prefetch(
                "duplicate_flags",
                queryset=PossibleDuplicate.objects.select_related("similar_to__organisation"),
            ),
            Prefetch(
                "flagged_by",
                queryset=PossibleDuplicate.objects.select_related("idea__organisation"),
            ),
        )
    )
    if organisation.is_office:
        return ideas
    return ideas.filter(Q(organisation=organisation) | _joined_by(organisation))


def idea_for(organisation, pk) -> Idea:
    idea = ideas_for(organisation).filter(pk=pk).first()
    if idea is None:
        raise Http404
    return idea


def joinable_idea(organisation, pk) -> Idea:
    """An open idea of another member (its title is all this reveals)."""
    idea = (
        Idea.objects.filter(OPEN, pk=pk)
        .exclude(organisation=organisation)
        .select_related("organisation")
        .first()
    )
    if idea is None:
        raise Http404
    return idea


def open_for_joining(organisation) -> QuerySet[Idea]:
    """Other members' open ideas the organisation has not joined: titles only, newest first."""
    return (
        Idea.objects.filter(OPEN)
        .exclude(organisation=organisation)
        .exclude(_joined_by(organisation))
        .select_related("organisation")
        .only("pk", "title", "status", "created_at", "organisation__name")
        .order_by("-created_at", "-pk")[:OPEN_FOR_JOINING_SHOWN]
    )


def duplicate_candidates(idea: Idea) -> list[Idea]:
    return list(
        Idea.objects.filter(OPEN)
        .exclude(organisation_id=idea.organisation_id)
        .exclude(pk=idea.pk)
        .only("pk", "title", "description", "organisation_id")
        .order_by("-created_at", "-pk")[:DUPLICATE_CANDIDATES]
    )


def find_duplicates(idea: Idea) -> list[tuple[float, Idea]]:
    return similarity.similar(idea, duplicate_candidates(idea))


@dataclass(frozen=True)
class Duplicate:
    idea: Idea
    similarity: Decimal


def duplicates_of(idea: Idea, viewer) -> list[Duplicate]:
    """The flags in both directions (from the prefetched flags), most similar first.

    A member sees only ideas still open for joining; the office sees every flag.
    """
    found = [Duplicate(flag.similar_to, flag.similarity) for flag in idea.duplicate_flags.all()]
    found += [Duplicate(flag.idea, flag.similarity) for flag in idea.flagged_by.all()]
    if not viewer.is_office:
        found = [
            d
            for d in found
            if d.idea.status in OPEN_STATUSES and d.idea.organisation_id != viewer.pk
        ]
    return sorted(found, key=lambda d: (-d.similarity, d.idea.pk))


def comments_of(idea: Idea) -> QuerySet[IdeaComment]:
    return idea.comments.select_related("author")


def participants_of(idea: Idea) -> QuerySet[IdeaParticipant]:
    return idea.participants.select_related("organisation").order_by("joined_at", "pk")


def with_figures(ideas, weights: ScoringWeights, viewer=None) -> list[Idea]:
    """Adds score, business case and (for a viewer) the visible duplicates to each idea."""
    ideas = list(ideas)
    for idea in ideas:
        idea.figures = scoring.business_case(idea, weights)
        idea.score = scoring.score(idea, weights)
        if viewer is not None:
            idea.duplicates = duplicates_of(idea, viewer)
    return ideas
