"""Collections on a Redis Cluster: the timeline, removing a clip (ZSCAN + a transaction) and
deleting a collection (SCAN over the cluster client + one transaction) re-run with the
cluster's ``redis_url``; every key of a memory shares its prefix's hash slot."""

from __future__ import annotations

from tests.video.test_collection import (  # noqa: F401 - collected again here, on the cluster
    coll,
    test_a_ref_naming_several_clips_is_refused_and_a_clip_id_is_not,
    test_collections_are_listed_per_owner_and_deleted_whole,
    test_collections_made_before_the_name_set_are_listed_once_found,
    test_removing_a_clip_takes_its_shots_off_the_timeline_and_out_of_answers,
    test_timeline_orders_all_shots_by_clock_and_follows_adds_and_removals,
)
