-- Every WFS and OGC API request scopes features to the plans of one
-- XPlanGML version (and statuses), and whole-layer requests count their
-- features per plan from feature_counts. Without these indexes both are
-- scans: of the 30-odd rows per plan in feature_counts for a type
-- (0.5-0.7 ms for 150 plans) and of the wide plan rows for the version
-- (a heap page per plan). With them the count of a layer is two index-only
-- scans and a hash join (0.9 -> 0.25 ms for 150 plans), and the per-plan
-- check of the feature scan an index-only look-up.
CREATE INDEX feature_counts_type_idx ON feature_counts (feature_type, plan_id) INCLUDE (n);
CREATE INDEX plans_version_idx ON plans (version, id) INCLUDE (status);
