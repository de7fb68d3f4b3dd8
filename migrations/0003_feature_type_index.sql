-- WFS queries select features by type (GetFeature of a whole layer) and
-- return them in document order: this index serves both the count
-- (numberMatched) and the ordered scan.
CREATE INDEX features_type_idx ON features (feature_type, plan_id, seq);
